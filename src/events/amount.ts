/**
 * Exact decimal amounts. An amount arrives as the source text of a JSON number (`12.50`, `1e3`) or as the content of a JSON string (`"12.50"`); it is normalized textually and never goes
 * through a float, so `0.123456789012345678` stays exactly that.
 */

export type AmountResult = { ok: true; value: string } | { ok: false; reason: string };

const NOT_DECIMAL: AmountResult = { ok: false, reason: 'amount is not a decimal number' };
const NEGATIVE: AmountResult = { ok: false, reason: 'amount must be >= 0' };
const NEGATIVE_ZERO: AmountResult = { ok: false, reason: 'amount must be >= 0 without a sign (-0 is refused: write 0)' };
const TOO_MANY_INTEGER_DIGITS: AmountResult = { ok: false, reason: 'amount out of range: more than 18 digits before the decimal point' };
const TOO_MANY_FRACTION_DIGITS: AmountResult = { ok: false, reason: 'amount out of range: more than 18 digits after the decimal point' };
const ZERO: AmountResult = { ok: true, value: '0' };

/** At most this many digits before and after the decimal point, after normalization. */
const MAX_DIGITS = 18;

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
/** The common case, already normal: no sign, no exponent, no leading or trailing zeros. */
const PLAIN = /^(?:0|[1-9]\d{0,17})(?:\.\d{0,17}[1-9])?$/;

/**
 * Parses `[-]digits[.digits][(e|E)[+|-]digits]` into a plain decimal string: no exponent, no
 * leading zeros in the integer part, no trailing zeros in the fraction, no dot when the fraction is
 * empty ("12.50" -> "12.5", "1e3" -> "1000", "0.000" -> "0").
 * Rejects negatives ('amount must be >= 0'), a negative zero ("-0", "-0.00": its own reason),
 * anything else ('amount is not a decimal number'), and more than 18 integer or 18 fraction digits
 * ('amount out of range: ...', which says which; 400 digits and 1e309 end here).
 */
export function parseAmount(raw: string): AmountResult {
  if (typeof raw !== 'string' || raw.length === 0) return NOT_DECIMAL;
  if (raw.length <= 37 && PLAIN.test(raw)) return { ok: true, value: raw };
  const m = DECIMAL.exec(raw);
  if (m === null) return NOT_DECIMAL;
  const negative = m[1] === '-';
  const intPart = m[2]!;
  const fracPart = m[3] ?? '';
  const expText = m[4];
  let digits = intPart + fracPart;
  // Decimal point position within `digits`: value = 0.digits * 10^point.
  let point = intPart.length;
  if (expText !== undefined) {
    const exp = Number(expText);
    // Beyond this the value is zero or out of range anyway; keeps the arithmetic exact.
    point += exp > 1e9 ? 1e9 : Math.max(exp, -1e9);
  }
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start++;
  let end = digits.length;
  while (end > start && digits.charCodeAt(end - 1) === 48) end--;
  if (start === end) return negative ? NEGATIVE_ZERO : ZERO;
  if (negative) return NEGATIVE;
  digits = digits.slice(start, end);
  point -= start;
  const intDigits = Math.max(point, 0);
  const fracDigits = digits.length > point ? digits.length - point : 0;
  if (intDigits > MAX_DIGITS) return TOO_MANY_INTEGER_DIGITS;
  if (fracDigits > MAX_DIGITS) return TOO_MANY_FRACTION_DIGITS;
  let value: string;
  if (point <= 0) value = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) value = digits + '0'.repeat(point - digits.length);
  else value = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return { ok: true, value };
}
