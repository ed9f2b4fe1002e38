/** The constant answer of the ceiling and the fastify floor (a one-prediction forecast answer), and its headers. */
export const BODY = '{"predictions":[10.107183742920439],"model_version":"78f050bdef83"}';
export const CONTENT_TYPE = "application/json; charset=utf-8";
