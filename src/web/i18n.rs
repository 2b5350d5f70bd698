//! Every interface string of the web pages, in Arabic and English, in one place.
//!
//! Survey wording (titles, questions, options) comes from the survey file; this module holds
//! only what the platform itself says (buttons, headings, error pages). Arabic pages write the
//! numbers the interface generates (progress, scale points, limits) in Arabic-Indic digits
//! (٠–٩); English pages in ASCII digits. Stored answers are always ASCII.

use crate::survey::Lang;

/// One interface string in both languages.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub ar: &'static str,
    pub en: &'static str,
}

impl Ui {
    pub const fn new(ar: &'static str, en: &'static str) -> Ui {
        Ui { ar, en }
    }
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ar => self.ar,
            Lang::En => self.en,
        }
    }
}

pub const SERVICE_NAME: Ui = Ui::new("ميزان", "Mizan");
/// The switch names the other language in that language.
pub const LANGUAGE_NAME: Ui = Ui::new("العربية", "English");
pub const SKIP_TO_CONTENT: Ui = Ui::new("انتقل إلى المحتوى الرئيسي", "Skip to main content");
pub const SURVEYS_HEADING: Ui = Ui::new("الاستبيانات", "Surveys");
pub const NO_SURVEYS: Ui = Ui::new(
    "لا توجد استبيانات متاحة حالياً.",
    "There are no surveys open at the moment.",
);
pub const START_NOW: Ui = Ui::new("ابدأ الآن", "Start now");
pub const BACK: Ui = Ui::new("رجوع", "Back");
pub const CONTINUE: Ui = Ui::new("متابعة", "Continue");
/// Before a question's instruction to the field interviewer (shown on interviewers' pages only).
pub const INTERVIEWER_NOTE_LABEL: Ui = Ui::new("للمقابِل:", "Interviewer:");
/// "Break down by" the site of kiosk and interviewer responses (a police station…).
pub const DOMAIN_SITE: Ui = Ui::new("الموقع", "Site");
pub const OPTIONAL: Ui = Ui::new("(اختياري)", "(optional)");
pub const OR: Ui = Ui::new("أو", "or");
pub const ERROR_TITLE_PREFIX: Ui = Ui::new("خطأ: ", "Error: ");
pub const ERROR_PREFIX: Ui = Ui::new("خطأ:", "Error:");
pub const THERE_IS_A_PROBLEM: Ui = Ui::new("هناك مشكلة", "There is a problem");
pub const CHECK_ANSWERS_TITLE: Ui = Ui::new(
    "راجع إجاباتك قبل الإرسال",
    "Check your answers before submitting",
);
pub const CHANGE: Ui = Ui::new("تغيير", "Change");
pub const NOT_PROVIDED: Ui = Ui::new("لم تُقدَّم إجابة", "Not provided");
pub const SUBMIT_HEADING: Ui = Ui::new("أرسل إجاباتك", "Now send your answers");
pub const SUBMIT_NOTE: Ui = Ui::new(
    "بإرسال إجاباتك تُحفظ دون اسمك أو أي معلومات تدل عليك.",
    "When you send your answers they are stored without your name or anything that identifies you.",
);
pub const SUBMIT_BUTTON: Ui = Ui::new("أرسل إجاباتي", "Submit my answers");
pub const DONE_TITLE: Ui = Ui::new("تم إرسال إجاباتك", "Your answers have been submitted");
pub const DONE_THANKS: Ui = Ui::new(
    "شكراً لمشاركتك. لا يمكن ربط إجاباتك بك.",
    "Thank you for taking part. Your answers cannot be linked to you.",
);
pub const DONE_AGAIN: Ui = Ui::new("العودة إلى قائمة الاستبيانات", "Back to the list of surveys");
pub const PRIVACY_NOTE: Ui = Ui::new(
    "لا نسجّل اسمك ولا عنوان جهازك. تُحفظ إجاباتك مؤقتاً حتى ترسلها.",
    "We do not record your name or your device's address. Your answers are kept only until you send them.",
);
pub const SCALE_ENDS: Ui = Ui::new("طرفا المقياس", "Scale ends");

// Error pages.
pub const NOT_FOUND_TITLE: Ui = Ui::new("الصفحة غير موجودة", "Page not found");
pub const NOT_FOUND_BODY: Ui = Ui::new(
    "إذا كتبت العنوان بنفسك فتأكد من صحته.",
    "If you typed the web address, check it is correct.",
);
pub const FORBIDDEN_TITLE: Ui = Ui::new("انتهت صلاحية النموذج", "The form has expired");
pub const FORBIDDEN_BODY: Ui = Ui::new(
    "لم نتمكن من قبول النموذج لأنه قديم أو لم يُرسل من هذا الموقع. لم يُحفظ شيء. ارجع إلى الصفحة وأعد المحاولة.",
    "We could not accept the form because it is out of date or was not sent from this site. Nothing was saved. Go back to the page and try again.",
);
pub const BAD_REQUEST_TITLE: Ui = Ui::new("تعذّر قراءة النموذج", "The form could not be read");
pub const BAD_REQUEST_BODY: Ui = Ui::new(
    "وصل النموذج بصيغة غير صحيحة. لم يُحفظ شيء. ارجع إلى الصفحة وأعد المحاولة.",
    "The form arrived in a form we cannot read. Nothing was saved. Go back to the page and try again.",
);
pub const TOO_LARGE_TITLE: Ui = Ui::new("النموذج كبير جداً", "The form is too large");
pub const TOO_LARGE_BODY: Ui = Ui::new(
    "ما أُرسل أكبر من المسموح. لم يُحفظ شيء. اختصر إجاباتك وأعد المحاولة.",
    "What was sent is larger than we accept. Nothing was saved. Shorten your answers and try again.",
);
pub const SERVER_ERROR_TITLE: Ui = Ui::new(
    "عذراً، حدثت مشكلة في الخدمة",
    "Sorry, there is a problem with the service",
);
pub const SERVER_ERROR_BODY: Ui = Ui::new(
    "حاول مرة أخرى لاحقاً. الإجابات التي حفظتها ما زالت محفوظة.",
    "Try again later. The answers you have saved so far are still kept.",
);
pub const CANNOT_SAVE_TITLE: Ui = Ui::new(
    "لا يمكننا حفظ الإجابات الآن",
    "We cannot save answers right now",
);
pub const CANNOT_SAVE_BODY: Ui = Ui::new(
    "يُرجى المحاولة مرة أخرى بعد قليل. الإجابات التي حُفظت قبل ظهور هذه الرسالة ما زالت محفوظة.",
    "Please try again in a few minutes. The answers saved before this message appeared are still kept.",
);
pub const HOME_LINK: Ui = Ui::new("الذهاب إلى قائمة الاستبيانات", "Go to the list of surveys");

// Analysts: sign-in and results pages.
pub const SIGN_IN_TITLE: Ui = Ui::new("تسجيل دخول المحلّلين", "Sign in as an analyst");
pub const SIGN_IN_NAME: Ui = Ui::new("اسم المستخدم", "User name");
pub const SIGN_IN_PASSWORD: Ui = Ui::new("كلمة المرور", "Password");
pub const SIGN_IN_BUTTON: Ui = Ui::new("تسجيل الدخول", "Sign in");
pub const SIGN_IN_WRONG: Ui = Ui::new(
    "اسم المستخدم أو كلمة المرور غير صحيحة",
    "The user name or password is not right",
);
pub const SIGN_OUT: Ui = Ui::new("تسجيل الخروج", "Sign out");
pub const RESULTS_TITLE: Ui = Ui::new("النتائج المرجّحة", "Weighted results");
pub const RESULTS_NONE_YET: Ui = Ui::new(
    "لا توجد إجابات محفوظة لهذا الاستبيان بعد.",
    "No responses to this survey have been stored yet.",
);
pub const RESULTS_DESIGN_DEFAULT: Ui = Ui::new(
    "التصميم: الافتراضي (أوزان متساوية، دون طبقات أو عناقيد).",
    "Design: the default (equal weights, no strata or clusters).",
);
pub const RESULTS_DESIGN_FILE: Ui = Ui::new("التصميم: ملف التصميم", "Design: design file");
pub const RESULTS_RESPONSES: Ui = Ui::new("عدد الإجابات", "Responses");
pub const DOMAIN_LABEL: Ui = Ui::new("التقسيم حسب", "Break down by");
pub const DOMAIN_NONE: Ui = Ui::new("العيّنة كاملة فقط", "Whole sample only");
pub const DOMAIN_SHOW: Ui = Ui::new("اعرض", "Show");
pub const DOMAIN_CHANNEL: Ui = Ui::new("قناة الإجابة", "Channel");
pub const DOMAIN_LANG: Ui = Ui::new("لغة الإجابة", "Language of the answers");
pub const DOWNLOADS: Ui = Ui::new("التنزيل", "Downloads");
pub const DOWNLOAD_CSV: Ui = Ui::new("التقديرات بصيغة CSV", "Estimates as CSV");
pub const DOWNLOAD_XLSX: Ui = Ui::new("التقديرات بصيغة Excel (XLSX)", "Estimates as Excel (XLSX)");
pub const COL_CATEGORY: Ui = Ui::new("الفئة", "Category");
pub const COL_GROUP: Ui = Ui::new("المجموعة", "Group");
pub const COL_N: Ui = Ui::new("عدد المجيبين", "Respondents (n)");
pub const COL_ESTIMATE: Ui = Ui::new("التقدير المرجّح", "Weighted estimate");
pub const COL_CI: Ui = Ui::new("فترة الثقة ٩٥٪", "95% confidence interval");
pub const COL_RELIABILITY: Ui = Ui::new("الموثوقية", "Reliability");
pub const ALL_RESPONDENTS: Ui = Ui::new("جميع المجيبين", "All respondents");
pub const FLAG_OK: Ui = Ui::new("موثوق", "Reliable");
pub const FLAG_LOW: Ui = Ui::new(
    "موثوقية منخفضة: يُفسَّر بحذر",
    "Low reliability: interpret with care",
);
pub const FLAG_SUPPRESSED: Ui = Ui::new(
    "محجوب: مجموعة صغيرة، أو محجوب كي لا تُستنتج مجموعة صغيرة",
    "Suppressed: a small group, or hidden so that a small group cannot be worked out",
);
pub const CHART_ALT: Ui = Ui::new(
    "مخطط أعمدة للتقديرات مع فترات الثقة؛ القيم في الجدول التالي.",
    "Bar chart of the estimates with confidence intervals; the values are in the table that follows.",
);

/// Write a number with the digits of the interface language.
pub fn digits(lang: Lang, s: &str) -> String {
    match lang {
        Lang::En => s.to_string(),
        Lang::Ar => s
            .chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32(0x0660 + (c as u32 - '0' as u32)).unwrap_or(c),
                '.' => '٫',
                _ => c,
            })
            .collect(),
    }
}

/// "Page 2 of 5" / "الصفحة ٢ من ٥".
pub fn progress(lang: Lang, page: usize, of: usize) -> String {
    match lang {
        Lang::En => format!("Page {page} of {of}"),
        Lang::Ar => format!(
            "الصفحة {} من {}",
            digits(lang, &page.to_string()),
            digits(lang, &of.to_string())
        ),
    }
}

/// "Up to 500 characters" hint for text answers.
pub fn max_characters(lang: Lang, n: usize) -> String {
    match lang {
        Lang::En => format!("Up to {n} characters."),
        Lang::Ar => format!("الحد الأقصى لعدد الأحرف: {}.", digits(lang, &n.to_string())),
    }
}

/// "For example, 2026-03-27" hint for dates.
pub fn date_example(lang: Lang) -> String {
    match lang {
        Lang::En => "Year-month-day, for example 1990-03-27.".to_string(),
        Lang::Ar => format!("السنة-الشهر-اليوم، مثلاً {}.", digits(lang, "1990-03-27")),
    }
}

/// A rating as read back: "7 out of 10", with the end's meaning when it is an end:
/// "0 out of 10 – Not at all satisfied" / "٠ من ١٠ – غير راضٍ إطلاقًا". A scale that does
/// not start at 0 or 1 names both ends: "3 on a scale of -5 to 5".
pub fn rating_answer(lang: Lang, point: i64, min: i64, max: i64, end: Option<&str>) -> String {
    let n = |v: i64| digits(lang, &v.to_string());
    let mut s = match (lang, min == 0 || min == 1) {
        (Lang::En, true) => format!("{} out of {}", n(point), n(max)),
        (Lang::Ar, true) => format!("{} من {}", n(point), n(max)),
        (Lang::En, false) => format!("{} on a scale of {} to {}", n(point), n(min), n(max)),
        (Lang::Ar, false) => format!("{} على مقياس من {} إلى {}", n(point), n(min), n(max)),
    };
    if let Some(end) = end {
        s.push_str(" – ");
        s.push_str(end);
    }
    s
}

/// A grid item named with its question on the check-answers page: "How safe do you feel?
/// During the day" (a colon only when the question does not end with a question mark).
pub fn grid_item_question(question: &str, item: &str) -> String {
    if question.ends_with(['?', '؟']) {
        format!("{question} {item}")
    } else {
        format!("{question}: {item}")
    }
}

/// How long the survey takes, from its number of questions (about 20 s each, at least 1 min).
pub fn minutes(lang: Lang, questions: usize) -> String {
    let m = (questions * 20).div_ceil(60).max(1);
    match lang {
        Lang::En if m == 1 => "It takes about 1 minute.".to_string(),
        Lang::En => format!("It takes about {m} minutes."),
        Lang::Ar => match m {
            1 => "يستغرق نحو دقيقة واحدة.".to_string(),
            2 => "يستغرق نحو دقيقتين.".to_string(),
            3..=10 => format!("يستغرق نحو {} دقائق.", digits(lang, &m.to_string())),
            _ => format!("يستغرق نحو {} دقيقة.", digits(lang, &m.to_string())),
        },
    }
}

/// Visually hidden text of a Change link: "Change<span> your answer to: question</span>".
pub const CHANGE_HIDDEN: Ui = Ui::new(" الإجابة عن: ", " your answer to: ");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_digits_replace_every_ascii_digit() {
        assert_eq!(digits(Lang::Ar, "10"), "١٠");
        assert_eq!(digits(Lang::Ar, "2.5"), "٢٫٥");
        assert_eq!(digits(Lang::En, "10"), "10");
        assert_eq!(progress(Lang::Ar, 2, 5), "الصفحة ٢ من ٥");
        assert_eq!(progress(Lang::En, 2, 5), "Page 2 of 5");
    }

    #[test]
    fn grid_items_follow_their_question_without_doubled_punctuation() {
        assert_eq!(grid_item_question("كيف تشعر؟", "نهارًا"), "كيف تشعر؟ نهارًا");
        assert_eq!(grid_item_question("Safety", "By day"), "Safety: By day");
    }

    #[test]
    fn ratings_read_back_with_their_scale_and_end_meaning() {
        assert_eq!(rating_answer(Lang::En, 7, 0, 10, None), "7 out of 10");
        assert_eq!(rating_answer(Lang::Ar, 7, 0, 10, None), "٧ من ١٠");
        assert_eq!(
            rating_answer(Lang::Ar, 0, 0, 10, Some("غير راضٍ إطلاقًا")),
            "٠ من ١٠ – غير راضٍ إطلاقًا"
        );
        assert_eq!(
            rating_answer(Lang::En, 3, -5, 5, None),
            "3 on a scale of -5 to 5"
        );
    }
}
