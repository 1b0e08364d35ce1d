/** The time source the credential rules read (injected so tests can move it). */
export type Clock = () => Date;
