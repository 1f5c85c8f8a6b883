// The shapes of credential values, wherever they appear: the redactor fingerprints them
// (core/redact.ts); a -p key that holds one is not split at its dots (core/params.ts), and
// messages on stderr never show one (io/log.ts).

/** Shapes of credential values, wherever they appear. */
export const SECRET_VALUE_PATTERNS: ReadonlyArray<[string, RegExp]> = [
  ['github token', /\bgh[opusr]_[A-Za-z0-9]{20,}/g],
  ['github fine-grained token', /\bgithub_pat_[A-Za-z0-9_]{20,}/g],
  ['gitlab token', /\bglpat-[A-Za-z0-9_-]{20,}/g],
  ['slack token', /\bxox[abposr]-[A-Za-z0-9-]{10,}/g],
  ['slack webhook', /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g],
  ['aws access key id', /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g],
  ['api secret key', /\b(?:sk|rk|pk)[-_](?:live_|test_|proj-|ant-)?[A-Za-z0-9_-]{20,}/g],
  ['google api key', /\bAIza[0-9A-Za-z_-]{35}/g],
  ['hugging face token', /\bhf_[A-Za-z0-9]{30,}/g],
  ['npm token', /\bnpm_[A-Za-z0-9]{36}\b/g],
  ['pypi token', /\bpypi-[A-Za-z0-9_-]{50,}/g],
  ['jwt', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g],
  ['pem private key', /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g],
  // The password part of scheme://user:password@host: up to the first @ after which the authority
  // holds no other @ (the host, a port, then the end, a path, a query or a fragment), so that a
  // password may hold an @, # or ? its writer forgot to encode (https://u:p@ss@host,
  // postgres://u:Pa#ss@db/x), while an @ in a query is left alone (https://u:pw@h.com?x=a@b).
  // host:port?query@... (http://localhost:8080?from=a@b.com) holds no password.
  ['url password', /(?<=\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s/:@{}]*:)(?!\d+(?:[/?#]|$))[^\s/]+?(?=@[^\s/?#@,;'"<>()]*(?:[\s/?#,;'"<>()]|$))/g],
  // A token given as an https URL's user, with no password (https://TOKEN@github.com/o/r.git, Azure
  // DevOps' https://PAT@pkgs.dev.azure.com/...): 20 characters or more that look random (see
  // namesAUser); not an ssh user.
  ['url token user', /(?<=\b(?:git\+)?[Hh][Tt][Tt][Pp][Ss]?:\/\/)[A-Za-z0-9_-]{20,256}(?=@[^\s/?#@:]+(?:[:/?#\s'"]|$))/g],
  // Last: the shapes above name their secrets more precisely.
  // (The spaces before a token are bounded: 100,000 of them are no header, and cost a scan each.)
  ['bearer token', /(?<=\bbearer[ \t]{1,16})[A-Za-z0-9._~+/-]{8,}=*/gi],
  ['basic auth', /(?<=\bauthorization:[ \t]{0,16}basic[ \t]{1,16})[A-Za-z0-9+/]{4,}={0,2}/gi],
]

/**
 * Whether a match of the loose API-key shape (`sk_`, `pk_`, `rk_` and 20 more) spells words, as a
 * file or directory name does (`sk_random_forest_classifier_v2`, `pk_customer_transactions_2024`,
 * `sk_resnet50_weights_final_v2`): lower-case words (digits after the first letter) joined by `_`
 * or `-`, the last short. Such a match is a name, kept as it is. A key with a known prefix
 * (`sk_live_`, `sk-proj-`) never is.
 */
export function spellsWords(match: string): boolean {
  return !/^(?:sk|rk|pk)[-_](?:live_|test_|proj-|ant-)/.test(match) && /^(?:sk|rk|pk)[-_](?:[a-z][a-z0-9]{0,19}[_-])+[a-z0-9]{1,12}$/.test(match)
}

/**
 * Whether a URL's user is a name, not a token: a token has digits and looks random: both cases
 * with digits in three places or more (a base64url token of 20 characters or more), or 32
 * characters or more of both cases, or of letters and digits only (GitHub's 40 hex, an Azure PAT);
 * `deploy_user_production01`, `fabrikam-research-lab2024` and `JohnSmith1990Developer` are names.
 */
export function namesAUser(match: string): boolean {
  if (!/\d/.test(match)) return true
  const cases = /[A-Z]/.test(match) && /[a-z]/.test(match)
  // (Random: digits in three places or more among both cases, or 32 characters or more.)
  const random = (cases && (match.match(/\d+/g)?.length ?? 0) >= 3) || (match.length >= 32 && (cases || /^[A-Za-z0-9]+$/.test(match)))
  return !random
}

/** The shapes with, for each, what of its matches is kept (a name, not a credential), or null for none. */
export const SHAPES_WITH_EXCEPTIONS: ReadonlyArray<[RegExp, ((match: string) => boolean) | null]> =
  SECRET_VALUE_PATTERNS.map(([name, re]) => [re, name === 'api secret key' ? spellsWords : name === 'url token user' ? namesAUser : null])

/** Whether a text holds a credential-shaped part (not a name that only looks like one). */
export function holdsSecretShape(text: string): boolean {
  return SHAPES_WITH_EXCEPTIONS.some(([re, isName]) => {
    re.lastIndex = 0
    const found = isName === null ? re.test(text) : (text.match(re) ?? []).some((m) => !isName(m))
    re.lastIndex = 0
    return found
  })
}

/**
 * Each match of the shapes, but a name that only looks like one, replaced by `replacement(match)`:
 * the redactor's fingerprint, or the log's `[redacted]`.
 */
export function replaceShapes(text: string, shapes: ReadonlyArray<[RegExp, ((match: string) => boolean) | null]>, replacement: (match: string) => string): string {
  let out = text
  for (const [re, isName] of shapes) {
    re.lastIndex = 0
    if (!re.test(out)) continue
    re.lastIndex = 0
    out = out.replace(re, (m) => (isName !== null && isName(m) ? m : replacement(m)))
  }
  return out
}
