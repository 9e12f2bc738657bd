// The user function every join calls: the two sides' values (null for the missing side of a left or outer
// join) and the key they share, as Kafka's ValueJoinerWithKey; a two-argument function fits as well.

export type ValueJoiner<V1, V2, VR> = (value1: V1, value2: V2, key: any) => VR;
