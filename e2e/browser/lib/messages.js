// The app's own texts, read from the files the app is built from, so that the
// tests expect exactly what a user of the current checkout sees:
// - Fluent messages (locales/{ko,en}/*.ftl) of egov-validation, egov-pages (the page
//   kit: layout, forms, error pages), egov-audit (its admin screens) and
//   civil-petitions (which overrides the kit's identity messages);
// - code labels from examples/civil-petitions/codes/seed.json;
// - the demo accounts from examples/civil-petitions/src/lib.rs (DEMO_ACCOUNTS).

import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root: e2e/browser/lib → ../../.. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const FTL_DIRS = [
  join(ROOT, 'crates', 'egov-validation', 'locales'),
  join(ROOT, 'crates', 'egov-pages', 'locales'),
  join(ROOT, 'crates', 'egov-audit', 'locales'),
  // Later directories win: a service may override a framework message.
  join(ROOT, 'examples', 'civil-petitions', 'locales'),
];

/**
 * Parses the simple Fluent subset these crates use: `id = value`, values
 * continued on indented lines, `#` comments. Attributes and selectors are
 * not supported (none of the messages used here has them).
 */
export function parseFtl(text) {
  const messages = new Map();
  let current = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') {
      current = null;
      continue;
    }
    const entry = /^([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s?(.*)$/.exec(line);
    if (entry) {
      current = entry[1];
      messages.set(current, entry[2].trim());
    } else if (current !== null && /^\s/.test(line)) {
      const before = messages.get(current);
      messages.set(current, before === '' ? line.trim() : `${before} ${line.trim()}`);
    }
  }
  return messages;
}

const catalogs = new Map();

function catalog(locale) {
  if (!catalogs.has(locale)) {
    const merged = new Map();
    for (const dir of FTL_DIRS) {
      const localeDir = join(dir, locale);
      for (const file of readdirSync(localeDir).filter((f) => f.endsWith('.ftl')).sort()) {
        for (const [id, value] of parseFtl(readFileSync(join(localeDir, file), 'utf8'))) {
          merged.set(id, value);
        }
      }
    }
    catalogs.set(locale, merged);
  }
  return catalogs.get(locale);
}

/** Whether a Hangul syllable has a final consonant (받침), and whether it is ㄹ. */
function finalConsonant(word) {
  const last = word.trim().at(-1);
  const code = last ? last.codePointAt(0) - 0xac00 : -1;
  if (code < 0 || code > 11171) {
    throw new Error(`JOSA here only knows words ending in Hangul, not ${JSON.stringify(word)}`);
  }
  const jong = code % 28;
  return { has: jong !== 0, rieul: jong === 8 };
}

/** `JOSA($word, "이/가")`: the word with the particle its last syllable takes. */
function josa(word, forms) {
  const [withFinal, withoutFinal] = forms.split('/');
  const { has, rieul } = finalConsonant(word);
  // 으로/로: ㄹ takes 로, like a vowel.
  const useFinal = withFinal === '으로' ? has && !rieul : has;
  return word + (useFinal ? withFinal : withoutFinal);
}

/**
 * The text of message `id` in `locale` with `args` filled in, as the app's
 * egov-i18n renders it (without Fluent's bidi isolation marks, which egov-i18n
 * turns off). Throws for an unknown id or a missing argument, so a renamed
 * message fails the test instead of matching nothing.
 */
export function t(locale, id, args = {}) {
  const value = catalog(locale).get(id);
  if (value === undefined) {
    throw new Error(`no message \`${id}\` in locale ${locale}`);
  }
  return value.replace(/\{\s*([^}]*?)\s*\}/g, (_, expression) => {
    const variable = /^\$([a-zA-Z0-9_-]+)$/.exec(expression);
    if (variable) {
      return argument(args, variable[1], id);
    }
    const particle = /^JOSA\(\s*\$([a-zA-Z0-9_-]+)\s*,\s*"([^"]+)"\s*\)$/.exec(expression);
    if (particle) {
      return josa(argument(args, particle[1], id), particle[2]);
    }
    throw new Error(`message \`${id}\`: cannot render { ${expression} }`);
  });
}

function argument(args, name, id) {
  if (!(name in args)) {
    throw new Error(`message \`${id}\` needs the argument $${name}`);
  }
  return String(args[name]);
}

const seed = JSON.parse(
  readFileSync(join(ROOT, 'examples', 'civil-petitions', 'codes', 'seed.json'), 'utf8'),
);

/** The label of code `code` of group `group` in `locale`, from codes/seed.json. */
export function codeLabel(group, code, locale) {
  const found = seed.codes.find((c) => c.group === group && c.code === code);
  if (!found) {
    throw new Error(`no code ${group}/${code} in codes/seed.json`);
  }
  return found.labels[locale];
}

/** The demo accounts (login id → password) of src/lib.rs's DEMO_ACCOUNTS. */
export function demoAccounts() {
  const source = readFileSync(join(ROOT, 'examples', 'civil-petitions', 'src', 'lib.rs'), 'utf8');
  const block = /DEMO_ACCOUNTS[^=]*=\s*\[([\s\S]*?)\];/.exec(source);
  if (!block) {
    throw new Error('DEMO_ACCOUNTS not found in examples/civil-petitions/src/lib.rs');
  }
  const accounts = new Map();
  for (const [, login, password] of block[1].matchAll(/\(\s*"([^"]+)"\s*,\s*"([^"]+)"/g)) {
    accounts.set(login, password);
  }
  return accounts;
}
