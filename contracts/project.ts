/** The project's name: the `edge-mlops:` config namespace, and the first part of names the project gives resources. */
export const PROJECT = "edge-mlops";
