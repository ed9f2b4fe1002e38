/**
 * What the fleet provisioning template (components/edge-fleet/provisioning.ts) and its pre-provisioning hook
 * (lambda/provisioning-hook) agree on.
 */

/** Thing attribute holding a provisioned thing's serial number: the template writes it, the hook compares it. */
export const SERIAL_NUMBER_ATTRIBUTE = "serialNumber";

/**
 * Template parameter naming the model group (`<root>-canary` or `<root>-fleet`) a provisioned thing joins. The hook
 * sets it in `parameterOverrides` on every request it admits, which replaces any value the device sent.
 */
export const MODEL_GROUP_PARAMETER = "ModelGroup";
