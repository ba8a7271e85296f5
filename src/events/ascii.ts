/**
 * ASCII character codes, by name, for the code that reads bytes or char codes (the fast ingest path,
 * timestamp parsing). Hot code copies the ones it uses into its own module constants
 * (`const { QUOTE } = ascii;`): V8 compiles a module's own `const` into the code as an immediate, but
 * loads an imported binding from its cell, with a check, at every use.
 */

export const TAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
/** Also the first printable character: codes below it are control characters. */
export const SPACE = 0x20;
export const QUOTE = 0x22;
export const PLUS = 0x2b;
export const COMMA = 0x2c;
export const MINUS = 0x2d;
export const DOT = 0x2e;
export const DIGIT_0 = 0x30;
export const DIGIT_9 = 0x39;
export const COLON = 0x3a;
export const UPPER_A = 0x41;
export const UPPER_E = 0x45;
export const UPPER_N = 0x4e;
export const UPPER_T = 0x54;
export const UPPER_Z = 0x5a;
export const BACKSLASH = 0x5c;
export const LOWER_A = 0x61;
export const LOWER_E = 0x65;
export const LOWER_T = 0x74;
export const LOWER_Z = 0x7a;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
/** The first code that is not ASCII (a byte of a multi-byte UTF-8 sequence, in a message). */
export const NON_ASCII = 0x80;
/** What to add to an upper-case letter's code for its lower-case one. */
export const TO_LOWER = LOWER_A - UPPER_A;
