#!/usr/bin/env python3
"""Writes the export variants of one Arabic/English household form, the same 64 submissions
in each, as KoboToolbox and ODK Central write them (see README.md here for the sources).

Run from this folder: `python3 make_fixtures.py`. Deterministic; the files are committed, so
neither Python nor R is needed to run the tests. The XLSX variant is written by the test
itself (tests/stats_cli.rs) from kobo_xml.csv, typed as formpack's to_xlsx types it."""

import csv
import io
import random

rng = random.Random(15)

# The form: (group, name, type, English label, Arabic label, choices).
GROUPS = {
    "hh": ("Household", "الأسرة"),
    "water": ("Drinking water", "مياه الشرب"),
    "safety": ("Safety", "الأمان"),
}
CHOICES = {
    "region": [("north", "North", "الشمال"), ("south", "South", "الجنوب"),
               ("east", "East", "الشرق"), ("west", "West", "الغرب")],
    "sex": [("female", "Female", "أنثى"), ("male", "Male", "ذكر")],
    "yesno": [("yes", "Yes", "نعم"), ("no", "No", "لا")],
    "source": [("piped", "Piped water", "مياه الشبكة"), ("borehole", "Borehole", "بئر ارتوازي"),
               ("bottled", "Bottled water", "مياه معبأة"), ("other", "Other", "غير ذلك")],
    "toilet": [("flush", "Flush toilet", "مرحاض بسيفون"), ("pit", "Pit latrine", "حفرة"),
               ("other", "Other", "غير ذلك")],
    "safe": [("very_safe", "Very safe", "آمن جداً"), ("safe", "Safe", "آمن"),
             ("unsafe", "Unsafe", "غير آمن"), ("very_unsafe", "Very unsafe", "غير آمن إطلاقاً")],
}
OTHER = ("If other, please specify", "إذا كان غير ذلك، يرجى التحديد")
FIELDS = [
    ("hh", "region", "select_one", ("Region", "المنطقة"), "region"),
    ("hh", "village", "text", ("Village code", "رمز القرية"), None),
    ("hh", "head_sex", "select_one", ("Sex of household head", "جنس رب الأسرة"), "sex"),
    ("hh", "hh_size", "integer", ("Household members", "عدد أفراد الأسرة"), None),
    ("hh", "hh_weight", "decimal", ("Sampling weight", "وزن المعاينة"), None),
    ("water", "treat_drink_water", "select_one",
     ("Do you treat your drinking water?", "هل تعالجون مياه الشرب؟"), "yesno"),
    ("water", "water_source", "select_multiple",
     ("Where does your drinking water come from?", "من أين تأتي مياه الشرب؟"), "source"),
    ("water", "water_source_other", "text", OTHER, None),
    ("water", "toilet", "select_one", ("Toilet type", "نوع المرحاض"), "toilet"),
    ("water", "toilet_other", "text", OTHER, None),
    ("safety", "safe_night", "select_one",
     ("How safe do you feel walking alone at night?", "ما مدى شعورك بالأمان عند المشي وحدك ليلاً؟"),
     "safe"),
]
# Villages (PSUs) by region (strata): east has one village, a lonely PSU.
VILLAGES = {"north": ["N-01", "N-02", "N-03"], "south": ["S-01", "S-02", "S-03"],
            "east": ["E-01"], "west": ["W-01", "W-02"]}
STATUS = ["validation_status_approved"] * 8 + ["validation_status_not_approved",
                                                "validation_status_on_hold", ""]
STATUS_LABEL = {"validation_status_approved": "Approved",
                "validation_status_not_approved": "Not approved",
                "validation_status_on_hold": "On hold", "": ""}
ODK_REVIEW = {"validation_status_approved": "approved", "validation_status_not_approved": "rejected",
              "validation_status_on_hold": "hasIssues", "": ""}


def submissions():
    rows = []
    villages = [(r, v) for r, vs in VILLAGES.items() for v in vs]
    for i in range(64):
        region, village = villages[i % len(villages)]
        size = rng.randint(1, 11)
        treat = rng.choice(["yes", "yes", "no", ""] if i % 7 else ["yes", "no"])
        sources = [s for s, _, _ in CHOICES["source"] if rng.random() < 0.4] or ["piped"]
        toilet = rng.choice(["flush", "pit", "pit", "other"])
        day = 1 + (i * 7) % 36  # some submissions fall in April
        month, day = (3, day) if day <= 31 else (4, day - 31)
        rows.append({
            "region": region, "village": village,
            "head_sex": rng.choice(["female", "male", "male"]),
            "hh_size": str(size),
            "hh_weight": repr(round(rng.uniform(40, 260), 3)),
            "treat_drink_water": treat,
            "water_source": " ".join(sources),
            "water_source_other": "نهر" if "other" in sources else "",
            "toilet": toilet, "toilet_other": "مشترك" if toilet == "other" else "",
            "safe_night": rng.choice([s for s, _, _ in CHOICES["safe"]] + [""]),
            "_id": str(41000 + i), "_uuid": f"9f1c{i:04d}-5b7e-4a7c-9d1e-0c5a{i:08d}",
            "_submission_time": f"2024-{month:02d}-{day:02d}T{8 + i % 10:02d}:{(i * 13) % 60:02d}:{(i * 29) % 60:02d}",
            "_validation_status": STATUS[i % len(STATUS)] if i != 5 else "",
            "_index": str(i + 1),
        })
    # One east household falls outside the filters and one inside, so east keeps one PSU.
    return rows


META = ["_id", "_uuid", "_submission_time", "_validation_status", "_index"]


def label_of(field, lang, groups):
    group, name, _, labels, _ = field
    if lang is None:
        return f"{group}/{name}" if groups else name
    text = labels[lang]
    return f"{GROUPS[group][lang]}/{text}" if groups else text


def choice_label(list_name, value, lang):
    if lang is None or value == "":
        return value
    for v, en, ar in CHOICES[list_name]:
        if v == value:
            return (en, ar)[lang]
    raise KeyError(value)


def formpack(rows, lang, groups, legacy=False):
    """Header and rows as formpack's Export (multiple_select='both', group_sep='/')."""
    header, out = [], []
    for f in FIELDS:
        header.append(label_of(f, lang, groups))
        if f[2] == "select_multiple":
            for v, en, ar in CHOICES[f[4]]:
                opt = v if lang is None else (en, ar)[lang]
                header.append(f"{label_of(f, lang, groups)}/{opt}")
    header += META
    for r in rows:
        line = []
        for f in FIELDS:
            _, name, kind, _, lst = f
            value = r[name]
            if kind in ("select_one",):
                line.append(choice_label(lst, value, lang))
            elif kind == "select_multiple":
                chosen = value.split()
                line.append(" ".join(choice_label(lst, c, lang) for c in chosen))
                for v, _, _ in CHOICES[lst]:
                    if legacy:
                        line.append("True" if v in chosen else "False")
                    else:
                        line.append("1" if v in chosen else "0")
            else:
                line.append(value)
        status = r["_validation_status"]
        line += [r["_id"], r["_uuid"], r["_submission_time"],
                 status if lang is None else STATUS_LABEL[status], r["_index"]]
        if legacy:
            line = [c if c != "" else "n/a" for c in line]
        out.append(line)
    return header, out


def kobo_csv(header, rows):
    """formpack's to_csv: `;`, every field quoted, quotes doubled; kpi joins lines with \\r\\n."""
    def fmt(line):
        return '"' + '";"'.join(str(x).replace('"', '""') for x in line) + '"'
    return "\r\n".join([fmt(header)] + [fmt(r) for r in rows]) + "\r\n"


def plain_csv(header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def odk(rows, group_paths):
    """ODK Central's CSV (lib/data/briefcase.js): SubmissionDate first, group paths joined with
    `-` (or bare names without group paths), select_multiple options as `name/value` 1/0, then
    KEY … ReviewState …; XML values, comma-separated, quoted only where needed."""
    header = ["SubmissionDate"]
    for f in FIELDS:
        group, name, kind, _, lst = f
        base = f"{group}-{name}" if group_paths else name
        header.append(base)
        if kind == "select_multiple":
            header += [f"{base}/{v}" for v, _, _ in CHOICES[lst]]
    header += ["meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
               "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion"]
    out = []
    for r in rows:
        line = [r["_submission_time"] + ".000Z"]
        for f in FIELDS:
            _, name, kind, _, lst = f
            line.append(r[name])
            if kind == "select_multiple":
                line += ["1" if v in r[name].split() else "0" for v, _, _ in CHOICES[lst]]
        uuid = "uuid:" + r["_uuid"]
        line += [uuid, uuid, "7", "enumerator", "0", "0", "", ODK_REVIEW[r["_validation_status"]],
                 "", "0", "2024030101"]
        out.append(line)
    return header, out


DESIGN = """# {title}
# The same sample and estimates as every other design file here: approved submissions of
# March 2024, villages (PSUs) within regions (strata); region east has one village.
[design]
weights = "{hh_weight}"
strata = "{region}"
cluster = "{village}"
lonely_psu = "adjust"

[output]
domains = ["{head_sex}"]

[reliability]
min_n = 1

[[filter]]
column = "{status}"
equals = "{approved}"

[[filter]]
column = "{time}"
from = "2024-03-01"
to = "2024-03-31"

[[variable]]
name = "{hh_size}"
type = "mean"

[[variable]]
name = "{treat_drink_water}"
type = "proportion"
category = "{yes}"
{options}
[[variable]]
name = "{safe_night}"
type = "categorical"
"""


def design(title, lang, groups, odk_paths=None):
    names = {}
    for f in FIELDS:
        group, name, kind, _, lst = f
        if odk_paths is not None:
            names[name] = f"{group}-{name}" if odk_paths else name
        else:
            names[name] = label_of(f, lang, groups)
    opts = ""
    for v, en, ar in CHOICES["source"]:
        opt = v if lang is None else (en, ar)[lang]
        opts += f'\n[[variable]]\nname = "{names["water_source"]}/{opt}"\ntype = "proportion"\n'
    odk = odk_paths is not None
    return DESIGN.format(
        title=title, options=opts, yes=choice_label("yesno", "yes", lang),
        status="ReviewState" if odk else "_validation_status",
        approved="approved" if odk else ("validation_status_approved" if lang is None else "Approved"),
        time="SubmissionDate" if odk else "_submission_time", **names)


def main():
    rows = submissions()
    designs = {
        "kobo_xml.toml": design("KoboToolbox, XML values and headers (kobo_xml.csv, kobo.xlsx)", None, False),
        "kobo_xml_groups.toml": design("KoboToolbox, XML values and headers, groups in headers (kobo_xml_groups.csv, kobo_legacy.csv)", None, True),
        "kobo_labels_en.toml": design("KoboToolbox, English labels (kobo_labels_en.csv)", 0, False),
        "kobo_labels_ar_groups.toml": design("KoboToolbox, Arabic labels, groups in headers (kobo_labels_ar_groups.csv)", 1, True),
        "odk.toml": design("ODK Central, group names in headers (odk.csv)", None, False, True),
        "odk_no_groups.toml": design("ODK Central, without group names (odk_no_groups.csv)", None, False, False),
    }
    for name, text in designs.items():
        with open(name, "w", encoding="utf-8") as f:
            f.write(text)
    variants = {
        "kobo_xml.csv": kobo_csv(*formpack(rows, None, False)),
        "kobo_xml_groups.csv": kobo_csv(*formpack(rows, None, True)),
        "kobo_labels_en.csv": kobo_csv(*formpack(rows, 0, False)),
        "kobo_labels_ar_groups.csv": kobo_csv(*formpack(rows, 1, True)),
        "kobo_legacy.csv": plain_csv(*formpack(rows, None, True, legacy=True)),
        "odk.csv": plain_csv(*odk(rows, True)),
        "odk_no_groups.csv": plain_csv(*odk(rows, False)),
    }
    for name, text in variants.items():
        with open(name, "w", encoding="utf-8", newline="") as f:
            f.write(text)


if __name__ == "__main__":
    main()
