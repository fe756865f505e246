// raremap lookup page: search-as-you-type over the server's JSON API (/api/lookup, /api/umi),
// results grouped by disease, each with its codes, their relation and basis, and the UMI advice.
// Plain JavaScript written for this project; no third-party code, works offline.
"use strict";

const TEXT = {
  sv: {
    title: "Sök sällsynta diagnoser", switchTo: "English", switchLabel: "Switch to English",
    label: "Diagnos – namn eller början av namnet",
    hint: "Svenska eller engelska; å, ä, ö kan skrivas a, o. Pil upp/ned väljer sjukdom, Tab går till dess kopieringsknappar, Esc rensar.",
    releases: "Utgåvor som svarar",
    note: "Koder och relationer så som utgåvorna anger dem; härledda kopplingar markeras. Ingen data lämnar den här datorn.",
    searching: "Söker …", none: "Ingen träff.", error: "Servern svarade inte: ",
    found: (n) => (n === 1 ? "1 sjukdom" : `${n} sjukdomar`), copy: "Kopiera", copied: "Kopierad",
    copyLabel: (sys, code) => `Kopiera ${sys} ${code}`, matched: "Träff: ", disease: "Sjukdom",
    needs: "Behöver UMI-kodning: ja", fine: "Behöver UMI-kodning: nej", recommended: "Rekommenderat i UMI: ",
    covers: (n) => `Koden omfattar ${n} sällsynta sjukdomar`, resultsLabel: "Sjukdomar",
    rel: { exact: "exakt", codeWider: "koden är bredare än sjukdomen", codeNarrower: "koden är smalare än sjukdomen",
           related: "närliggande", undecided: "relationen ej fastställd av Orphanet", unspecified: "relationen anges inte",
           wrong: "markerad som fel av Orphanet" },
    basis: { stated: "anges av", inverse: "anges av", edition: "samma kod i en annan ICD-10-utgåva, enligt",
             replacement: "via ersättande kod, enligt", transitive: "härledd i flera steg, från",
             hierarchy: "ärvd från överordnad sjukdom, enligt", lexical: "namnlikhet (inte utgivarens ord), från" },
  },
  en: {
    title: "Find rare diagnoses", switchTo: "Svenska", switchLabel: "Byt till svenska",
    label: "Diagnosis – name or the start of it",
    hint: "Swedish or English; å, ä, ö may be typed a, o. Arrow up/down selects a disease, Tab reaches its copy buttons, Esc clears.",
    releases: "Releases answering",
    note: "Codes and relations as the releases state them; derived links are marked. No data leaves this computer.",
    searching: "Searching …", none: "No match.", error: "The server did not answer: ",
    found: (n) => (n === 1 ? "1 disease" : `${n} diseases`), copy: "Copy", copied: "Copied",
    copyLabel: (sys, code) => `Copy ${sys} ${code}`, matched: "Matched: ", disease: "Disease",
    needs: "Needs attention coding: yes", fine: "Needs attention coding: no", recommended: "Recommended for UMI: ",
    covers: (n) => `The code covers ${n} rare diseases`, resultsLabel: "Diseases",
    rel: { exact: "exact", codeWider: "the code is broader than the disease", codeNarrower: "the code is narrower than the disease",
           related: "related", undecided: "relation not decided by Orphanet", unspecified: "relation not stated",
           wrong: "marked wrong by Orphanet" },
    basis: { stated: "stated by", inverse: "stated by", edition: "the same code in another ICD-10 edition, per",
             replacement: "through a replacing code, per", transitive: "derived in several steps, from",
             hierarchy: "inherited from a parent disease, per", lexical: "name similarity (not the publisher's word), from" },
  },
};
const SYSTEM_NAMES = { ORPHA: "ORPHA", ICD10SE: "ICD-10-SE", ICD10: "ICD-10 (WHO)", ICD10GM: "ICD-10-GM",
                       ICD11: "ICD-11", SCTID: "SNOMED CT", ALPHAID: "Alpha-ID" };
const STATED = new Set(["stated", "inverse", "edition", ""]);  // as equivalence.py: not derived
const DEBOUNCE_MS = 180;

let lang = "sv";
let active = -1;
let sequence = 0;
let timer = null;
let controller = null;
const cache = new Map();  // code -> UMI assessment (JSON)

const $ = (id) => document.getElementById(id);
const input = $("q");
const list = $("results");
const status = $("status");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function applyLanguage() {
  const t = TEXT[lang];
  document.documentElement.lang = lang;
  document.title = `raremap – ${t.title.toLowerCase()}`;
  for (const [id, key] of [["title", "title"], ["q-label", "label"], ["hint", "hint"], ["releases-title", "releases"],
                           ["note", "note"]]) $(id).textContent = t[key];
  const button = $("lang");
  button.textContent = t.switchTo;
  button.setAttribute("lang", lang === "sv" ? "en" : "sv");
  button.setAttribute("aria-label", t.switchLabel);
  list.setAttribute("aria-label", t.resultsLabel);
}

async function getJson(path, signal) {
  const response = await fetch(path, { signal, headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  return body;
}

async function umi(code, signal) {
  if (!cache.has(code)) cache.set(code, await getJson(`/api/umi?code=${encodeURIComponent(code)}`, signal));
  return cache.get(code);
}

// The disease a matched code stands for: the ORPHA code the assessment names, or the one disease
// the code is the own code of; otherwise the code itself (a broad code covering several diseases).
function diseaseOf(assessment) {
  if (assessment.code.startsWith("ORPHA:")) return assessment.code;
  if (assessment.specific_to.length === 1) return assessment.specific_to[0];
  return assessment.code;
}

async function search(text) {
  const mine = ++sequence;
  if (controller) controller.abort();
  controller = new AbortController();
  const signal = controller.signal;
  status.textContent = TEXT[lang].searching;
  try {
    const found = await getJson(`/api/lookup?complete=true&limit=8&q=${encodeURIComponent(text)}`, signal);
    const groups = new Map();
    const assessed = await Promise.all(found.matches.map((m) => umi(m.code, signal)));
    found.matches.forEach((match, i) => {
      const key = diseaseOf(assessed[i]);
      if (!groups.has(key)) groups.set(key, { key, matches: [] });
      groups.get(key).matches.push(match);
    });
    await Promise.all([...groups.values()].map(async (g) => { g.assessment = await umi(g.key, signal); }));
    if (mine !== sequence) return;
    render([...groups.values()]);
  } catch (err) {
    if (err.name === "AbortError") return;
    if (mine === sequence) { list.replaceChildren(); status.textContent = TEXT[lang].error + err.message; }
  }
}

function relationWords(mapping, fromDisease) {
  const r = TEXT[lang].rel;
  if (mapping.relation === "narrower") return fromDisease ? r.codeWider : r.codeNarrower;
  if (mapping.relation === "broader") return fromDisease ? r.codeNarrower : r.codeWider;
  return r[mapping.relation] || mapping.relation;
}

function basisWords(mapping) {
  const words = TEXT[lang].basis[mapping.basis || "stated"] || mapping.basis;
  const release = mapping.provenance ? mapping.provenance.release : "";
  return release ? `${words} ${release}` : words;
}

function codeLine(code, label, mapping, fromDisease) {
  const [system, bare] = [code.split(":")[0], code.slice(code.indexOf(":") + 1)];
  const sys = SYSTEM_NAMES[system] || system;
  const button = el("button", { type: "button", class: "copy", "aria-label": TEXT[lang].copyLabel(sys, bare),
                                "data-code": bare, text: TEXT[lang].copy });
  const parts = [el("span", { class: "sys", text: sys }), el("code", { text: bare }),
                 el("span", { class: "label", text: label || "" }), button];
  if (mapping) {
    const derived = !STATED.has(mapping.basis || "");
    parts.push(el("span", { class: derived ? "rel derived" : "rel",
                            text: `${relationWords(mapping, fromDisease)} – ${basisWords(mapping)}` }));
  }
  return el("li", { "data-code": code }, ...parts);
}

function card(group, index) {
  const t = TEXT[lang];
  const a = group.assessment;
  const labels = a.labels || {};
  const id = `disease-${index}`;
  const title = el("h2", { id: `${id}-title` }, `${labels[a.code] || a.label || a.code} `,
                   el("span", { class: "muted", text: a.code }));
  const matched = el("p", { class: "matched muted",
                            text: t.matched + group.matches.map((m) => `${m.matched_term} (${m.code})`).join(", ") });
  const codes = el("ul", { class: "codes" });
  codes.append(codeLine(a.code, labels[a.code] || a.label, null, true));
  const fromDisease = a.code.startsWith("ORPHA:");
  const shown = new Set([a.code]);
  for (const mapping of [...a.icd10se, ...a.icd11, ...a.snomed, ...a.covers]) {
    if (shown.has(mapping.target)) continue;
    shown.add(mapping.target);
    codes.append(codeLine(mapping.target, labels[mapping.target], mapping, fromDisease));
  }
  const advice = el("div", { class: a.needs_attention ? "umi needs" : "umi fine" },
                    el("strong", { text: a.needs_attention ? t.needs : t.fine }),
                    el("span", { class: "reason", text: a.reason[lang] || a.reason.en }));
  if (a.recommended.length) advice.append(el("p", { text: t.recommended + a.recommended.join(", ") }));
  if (!fromDisease && a.rare_diseases > 1) advice.append(el("p", { text: t.covers(a.rare_diseases) }));
  return el("li", { id, class: "disease", role: "option", "aria-selected": "false", "aria-labelledby": `${id}-title`,
                    "data-disease": a.code }, title, matched, codes, advice);
}

function render(groups) {
  list.replaceChildren(...groups.map(card));
  active = -1;
  input.setAttribute("aria-expanded", groups.length ? "true" : "false");
  input.removeAttribute("aria-activedescendant");
  status.textContent = groups.length ? TEXT[lang].found(groups.length) : TEXT[lang].none;
}

function select(index) {
  const options = [...list.querySelectorAll('[role="option"]')];
  if (!options.length) return;
  active = (index + options.length) % options.length;
  options.forEach((o, i) => o.setAttribute("aria-selected", i === active ? "true" : "false"));
  input.setAttribute("aria-activedescendant", options[active].id);
  options[active].scrollIntoView({ block: "nearest" });
}

async function copy(button) {
  const code = button.dataset.code;
  try {
    await navigator.clipboard.writeText(code);
  } catch (err) {  // no clipboard permission (a plain http page, a locked-down browser): select-and-copy
    const area = el("textarea", { class: "visually-hidden" });
    area.value = code;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  button.textContent = TEXT[lang].copied;
  setTimeout(() => { button.textContent = TEXT[lang].copy; }, 1500);
}

input.addEventListener("input", () => {
  clearTimeout(timer);
  const text = input.value.trim();
  if (text.length < 2) { sequence++; list.replaceChildren(); status.textContent = ""; return; }
  timer = setTimeout(() => search(text), DEBOUNCE_MS);
});
input.addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown") { event.preventDefault(); select(active + 1); }
  else if (event.key === "ArrowUp") { event.preventDefault(); select(active - 1); }
  else if (event.key === "Escape") { input.value = ""; sequence++; list.replaceChildren(); status.textContent = "";
                                     input.setAttribute("aria-expanded", "false"); }
  else if (event.key === "Enter" && active >= 0) {
    event.preventDefault();
    const first = list.querySelectorAll('[role="option"]')[active].querySelector(".copy");
    if (first) first.focus();
  }
});
list.addEventListener("click", (event) => {
  const button = event.target.closest(".copy");
  if (button) copy(button);
});
$("lang").addEventListener("click", () => {
  lang = lang === "sv" ? "en" : "sv";
  applyLanguage();
  if (input.value.trim().length >= 2) search(input.value.trim());
});

getJson("/api/releases").then((body) => {
  $("releases").replaceChildren(...body.releases.map((r) => el("li", { text: `${r.name} (${r.id})` })));
}).catch(() => {});
applyLanguage();
input.focus();
