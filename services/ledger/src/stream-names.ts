/** `<category>-<id>`: the category (text before the first `-`) is lower-case letters and digits. */
const STREAM_NAME = /^[a-z][a-z0-9]*-[A-Za-z0-9_.:-]{1,200}$/;

export const isValidStreamName = (name: string): boolean => STREAM_NAME.test(name);

export const categoryOf = (name: string): string => name.slice(0, name.indexOf('-'));
