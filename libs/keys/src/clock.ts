/** The current instant; injected so tests can move time. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
