/**
 * ISO 4217 minor units: how many decimal places a currency's smallest unit has (USD 2: cents, JPY 0,
 * KWD 3: fils). A schema_version 2 event carries `amount_minor`, an integer count of these units, and
 * its amount is amount_minor / 10^exponent, exactly.
 *
 * The table is ISO 4217 list one (current currency and funds codes) as amended up to 2025, with the
 * exponent the standard gives ("minor unit"). Codes whose minor unit is "N.A." (precious metals, the
 * SDR, bond-market and test units: XAU, XAG, XPT, XPD, XDR, XBA–XBD, XSU, XUA, XTS, XXX) have no minor
 * unit, so an amount_minor in them means nothing: they are absent here and such an event is a dead letter.
 * Withdrawn codes (HRK, SLL, ZWL, …) are absent too. A code added later goes here; `txpipe dead-letters
 * replay` then takes the events that waited for it.
 */

/** Exponent per currency code. Most are 2; the others are listed explicitly below. */
const EXPONENTS: ReadonlyMap<string, number> = new Map<string, number>([
  // Exponent 0.
  ...['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'].map(
    (c) => [c, 0] as const,
  ),
  // Exponent 3.
  ...['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'].map((c) => [c, 3] as const),
  // Exponent 4 (units of account: Unidad de Fomento, Unidad Previsional).
  ...['CLF', 'UYW'].map((c) => [c, 4] as const),
  // Exponent 2.
  ...[
    'AED',
    'AFN',
    'ALL',
    'AMD',
    'ANG',
    'AOA',
    'ARS',
    'AUD',
    'AWG',
    'AZN',
    'BAM',
    'BBD',
    'BDT',
    'BGN',
    'BMD',
    'BND',
    'BOB',
    'BOV',
    'BRL',
    'BSD',
    'BTN',
    'BWP',
    'BYN',
    'BZD',
    'CAD',
    'CDF',
    'CHE',
    'CHF',
    'CHW',
    'CNY',
    'COP',
    'COU',
    'CRC',
    'CUC',
    'CUP',
    'CVE',
    'CZK',
    'DKK',
    'DOP',
    'DZD',
    'EGP',
    'ERN',
    'ETB',
    'EUR',
    'FJD',
    'FKP',
    'GBP',
    'GEL',
    'GHS',
    'GIP',
    'GMD',
    'GTQ',
    'GYD',
    'HKD',
    'HNL',
    'HTG',
    'HUF',
    'IDR',
    'ILS',
    'INR',
    'IRR',
    'JMD',
    'KES',
    'KGS',
    'KHR',
    'KPW',
    'KYD',
    'KZT',
    'LAK',
    'LBP',
    'LKR',
    'LRD',
    'LSL',
    'MAD',
    'MDL',
    'MGA',
    'MKD',
    'MMK',
    'MNT',
    'MOP',
    'MRU',
    'MUR',
    'MVR',
    'MWK',
    'MXN',
    'MXV',
    'MYR',
    'MZN',
    'NAD',
    'NGN',
    'NIO',
    'NOK',
    'NPR',
    'NZD',
    'PAB',
    'PEN',
    'PGK',
    'PHP',
    'PKR',
    'PLN',
    'QAR',
    'RON',
    'RSD',
    'RUB',
    'SAR',
    'SBD',
    'SCR',
    'SDG',
    'SEK',
    'SGD',
    'SHP',
    'SLE',
    'SOS',
    'SRD',
    'SSP',
    'STN',
    'SVC',
    'SYP',
    'SZL',
    'THB',
    'TJS',
    'TMT',
    'TOP',
    'TRY',
    'TTD',
    'TWD',
    'TZS',
    'UAH',
    'USD',
    'USN',
    'UYU',
    'UZS',
    'VED',
    'VES',
    'WST',
    'XCD',
    'XCG',
    'YER',
    'ZAR',
    'ZMW',
    'ZWG',
  ].map((c) => [c, 2] as const),
]);

/** The currency's ISO 4217 exponent, or undefined when it has no minor unit or is not a current code. */
export function minorUnitExponent(currency: string): number | undefined {
  return EXPONENTS.get(currency);
}

/** Every code with a minor unit, sorted (for the JSON Schema and its test). */
export function currenciesWithMinorUnits(): string[] {
  return [...EXPONENTS.keys()].sort();
}

/**
 * The exact decimal amount of `minor` units (a plain non-negative integer string without leading
 * zeros, as parseAmount writes it) at `exponent` decimal places, normalized like parseAmount: no
 * trailing fraction zeros, no dot when the fraction is empty ("1250", 2 -> "12.5"; "5", 3 -> "0.005").
 */
export function amountOfMinorUnits(minor: string, exponent: number): string {
  if (exponent === 0 || minor === '0') return minor;
  const padded = minor.length <= exponent ? '0'.repeat(exponent - minor.length + 1) + minor : minor;
  const intPart = padded.slice(0, padded.length - exponent);
  let frac = padded.slice(padded.length - exponent);
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
  frac = frac.slice(0, end);
  return frac.length === 0 ? intPart : `${intPart}.${frac}`;
}
