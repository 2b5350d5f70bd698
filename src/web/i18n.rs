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
pub const SIGN_IN_TITLE: Ui = Ui::new("تسجيل دخول الموظفين", "Staff sign-in");
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
pub const RESULTS_AS_OF: Ui = Ui::new("الأرقام كما في يوم", "Figures as of");
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

/// "For example, 27 3 1990" hint for the three date boxes (day, month, year).
pub fn date_example(lang: Lang) -> String {
    match lang {
        Lang::En => "For example, 27 3 1990".to_string(),
        Lang::Ar => format!("مثلاً {}", digits(lang, "27 3 1990")),
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

// Staff roles and channels.
pub const DENIED_TITLE: Ui = Ui::new(
    "لا يمكن لحسابك فتح هذه الصفحة",
    "Your account cannot open this page",
);
pub const DENIED_BODY: Ui = Ui::new(
    "هذه الصفحة لدور آخر. إن كنت تحتاج إليها فاطلب ذلك من مسؤول النظام.",
    "This page is for another role. If you need it, ask your administrator.",
);
pub const NOT_ENROLLED_TITLE: Ui = Ui::new("هذه الشاشة غير مسجّلة", "This screen is not enrolled");
pub const NOT_ENROLLED_BODY: Ui = Ui::new(
    "لا تعمل هذه الشاشة كشاشة خدمة ذاتية للاستبيان الآن. يمكن لمسؤول النظام تسجيلها من جديد.",
    "This screen does not run a survey kiosk now. An administrator can enrol it again.",
);
pub const KIOSK_START_AGAIN: Ui = Ui::new("ابدأ من جديد", "Start again");
pub const KIOSK_STILL_THERE: Ui = Ui::new("هل ما زلت هنا؟", "Are you still there?");
pub const KIOSK_MORE_TIME: Ui = Ui::new("أحتاج إلى مزيد من الوقت", "I need more time");
/// The warning's sentence, with the countdown's first value in a span the script updates.
pub fn kiosk_clears_in(lang: Lang, seconds: u32) -> maud::Markup {
    let n = digits(lang, &seconds.to_string());
    match lang {
        Lang::Ar => maud::html! {
            "لحماية خصوصيتك ستُمسح إجاباتك وتعود الشاشة إلى البداية خلال "
            span #kiosk-idle-countdown { (n) } " ثانية."
        },
        Lang::En => maud::html! {
            "To protect your privacy, your answers will be cleared and the screen will start again in "
            span #kiosk-idle-countdown { (n) } " seconds."
        },
    }
}
pub const KIOSK_THANKS_RETURN: Ui = Ui::new(
    "ستعود الشاشة إلى البداية بعد لحظات لتكون جاهزة للشخص التالي.",
    "The screen will return to the start in a moment, ready for the next person.",
);
pub const KIOSK_CHOOSE: Ui = Ui::new("اختر استبيانًا", "Choose a survey");
pub const FIELD_NEXT_INTERVIEW: Ui = Ui::new("ابدأ المقابلة التالية", "Start the next interview");
pub const FIELD_MY_AREAS: Ui = Ui::new("العودة إلى مناطقي", "Back to my areas");

// Staff pages.
pub const ADMIN_TITLE: Ui = Ui::new("إدارة النظام", "Administration");
pub const ADMIN_USERS: Ui = Ui::new("الحسابات", "Accounts");
pub const ADMIN_KIOSKS: Ui = Ui::new("شاشات الخدمة الذاتية (الأكشاك)", "Kiosks");
pub const ADMIN_AREAS: Ui = Ui::new("مناطق الباحثين الميدانيين", "Interviewers' areas");
pub const NAV_LABEL: Ui = Ui::new("صفحات الموظفين", "Staff pages");
pub const COL_NAME: Ui = Ui::new("الاسم", "Name");
pub const COL_ROLE: Ui = Ui::new("الدور", "Role");
pub const COL_STATUS: Ui = Ui::new("الحالة", "Status");
pub const COL_ACTIONS: Ui = Ui::new("الإجراءات", "Actions");
pub const STATUS_ACTIVE: Ui = Ui::new("فعّال", "Active");
pub const STATUS_DISABLED: Ui = Ui::new("معطّل", "Disabled");
pub const DISABLE: Ui = Ui::new("تعطيل", "Disable");
pub const ENABLE: Ui = Ui::new("تفعيل", "Enable");
pub const NEW_PASSWORD: Ui = Ui::new("كلمة مرور جديدة", "New password");
pub const NEW_PASSWORD_AGAIN: Ui = Ui::new("كلمة المرور الجديدة مرة أخرى", "New password again");
pub const SET_PASSWORD: Ui = Ui::new("تعيين كلمة المرور", "Set the password");
pub const ADD_USER: Ui = Ui::new("إضافة حساب", "Add an account");
pub const PASSWORD_HINT: Ui = Ui::new("١٢ حرفًا على الأقل", "At least 12 characters");
pub const PASSWORD_SHORT: Ui = Ui::new(
    "كلمة المرور قصيرة: ١٢ حرفًا على الأقل",
    "The password is too short: at least 12 characters",
);
pub const PASSWORDS_DIFFER: Ui = Ui::new("كلمتا المرور مختلفتان", "The two passwords differ");
pub const NAME_INVALID: Ui = Ui::new(
    "اكتب اسمًا من حروف (عربية أو لاتينية) وأرقام، حتى ٦٤ حرفًا",
    "Enter a name of letters (Arabic or Latin) and digits, up to 64 characters",
);
pub const NAME_TAKEN: Ui = Ui::new(
    "يوجد حساب بهذا الاسم",
    "There is already an account with this name",
);
pub const ROLE_MISSING: Ui = Ui::new("اختر دورًا", "Choose a role");
pub const NOT_YOURSELF: Ui = Ui::new(
    "لا يمكنك تعطيل حسابك أنت",
    "You cannot disable your own account",
);
pub const SAVED: Ui = Ui::new("تم الحفظ", "Saved");
pub const REGISTER_KIOSK: Ui = Ui::new("تسجيل شاشة", "Register a kiosk");
pub const KIOSK_SURVEYS: Ui = Ui::new("الاستبيانات التي تعرضها", "Surveys it runs");
pub const KIOSK_SITE_AR: Ui = Ui::new("اسم الموقع بالعربية", "Site name in Arabic");
pub const KIOSK_SITE_EN: Ui = Ui::new("اسم الموقع بالإنجليزية", "Site name in English");
pub const STRATUM: Ui = Ui::new("الطبقة (مثل المحافظة)", "Stratum (e.g. governorate)");
pub const CLUSTER: Ui = Ui::new("العنقود (مثل القضاء)", "Cluster (e.g. district)");
pub const CODE_HINT: Ui = Ui::new(
    "رمز بحروف لاتينية صغيرة وأرقام، مثل baghdad",
    "A code of lower-case letters and digits, e.g. baghdad",
);
pub const KIOSK_IDLE: Ui = Ui::new("مهلة الخمول بالثواني", "Idle timeout in seconds");
pub const KIOSK_IDLE_HINT: Ui = Ui::new(
    "من ٦٠ إلى ٣٦٠٠؛ يظهر التنبيه قبل النهاية بـ٣٠ ثانية",
    "60 to 3600; the warning shows 30 seconds before the end",
);
pub const COL_SITE: Ui = Ui::new("الموقع", "Site");
pub const COL_AREA: Ui = Ui::new("المنطقة", "Area");
pub const KIOSK_WAITING: Ui = Ui::new("بانتظار التسجيل على الشاشة", "Waiting to be enrolled");
pub const KIOSK_ENROLLED: Ui = Ui::new("مسجّلة", "Enrolled");
pub const KIOSK_REVOKED: Ui = Ui::new("ملغاة", "Revoked");
pub const REVOKE: Ui = Ui::new("إلغاء التسجيل", "Revoke");
pub const NEW_CODE: Ui = Ui::new("رمز تسجيل جديد", "New enrolment code");
pub const ENROL_PATH_TITLE: Ui = Ui::new("رابط تسجيل الشاشة", "The kiosk's enrolment address");
pub const ENROL_PATH_BODY: Ui = Ui::new(
    "افتح هذا العنوان مرة واحدة في متصفح الشاشة. يعمل مرة واحدة فقط ولن يظهر مرة أخرى.",
    "Open this address once in the kiosk's browser. It works once and will not be shown again.",
);
pub const ASSIGN_AREA: Ui = Ui::new("تعيين منطقة", "Assign an area");
pub const INTERVIEWER: Ui = Ui::new("الباحث الميداني", "Interviewer");
pub const NO_INTERVIEWERS: Ui = Ui::new(
    "لا يوجد باحثون ميدانيون بعد. أضف حسابًا بدور «باحث ميداني».",
    "There are no interviewers yet. Add an account with the interviewer role.",
);
pub const REMOVE: Ui = Ui::new("إزالة", "Remove");
pub const NONE_YET: Ui = Ui::new("لا شيء بعد.", "None yet.");
pub const WHOLE_STRATUM: Ui = Ui::new("الطبقة كاملة", "Whole stratum");
pub const FIELD_TITLE: Ui = Ui::new("مقابلاتي الميدانية", "My field interviews");
pub const FIELD_NO_AREAS: Ui = Ui::new(
    "لم تُعيَّن لك أي منطقة بعد. اطلب ذلك من مسؤول النظام.",
    "No area is assigned to you yet. Ask your administrator.",
);
pub const FIELD_START: Ui = Ui::new("ابدأ مقابلة", "Start an interview");
pub const FIELD_DONE_WAVE: Ui = Ui::new("مقابلات هذه الجولة", "Interviews this wave");
pub const FIELD_PRIVACY: Ui = Ui::new(
    "لا يمكنك الاطلاع على المقابلات بعد إرسالها: هكذا تبقى إجابات الناس مجهولة الهوية.",
    "You cannot read an interview once it is submitted: that is how people's answers stay anonymous.",
);
pub const DESIGN_TITLE: Ui = Ui::new("الاستبيانات المنشورة", "Published surveys");
pub const COL_SURVEY: Ui = Ui::new("الاستبيان", "Survey");
pub const COL_WAVE: Ui = Ui::new("الجولة", "Wave");
pub const COL_VERSION: Ui = Ui::new("الإصدار", "Version");
pub const COL_QUESTIONS: Ui = Ui::new("الأسئلة", "Questions");
pub const COL_FILE: Ui = Ui::new("الملف", "File");
pub const DESIGN_NOTE: Ui = Ui::new(
    "هذه هي الملفات التي يعمل بها الخادم الآن. اكتب draft = true في ملف لتجعله مسودة لا يراها المشاركون، وعاينه هنا؛ لا تُحفظ إجابات المعاينة. بعد تعديل الملفات أعد تحميلها بالزر أدناه (لا حاجة لإعادة تشغيل الخادم).",
    "These are the files the server runs now. Write draft = true in a file to make it a draft that respondents do not see, and preview it here; preview answers are never stored. After editing the files, reload them with the button below (no restart needed).",
);
pub const PREVIEW: Ui = Ui::new("معاينة", "Preview");
pub const PREVIEW_BANNER_TITLE: Ui = Ui::new("معاينة.", "Preview.");
pub const PREVIEW_BANNER_BODY: Ui = Ui::new(
    "هذه معاينة للمصمّمين: لا تُحفظ أي إجابة هنا.",
    "This is a designers' preview: no answer given here is stored.",
);
pub const PREVIEW_NOTHING_STORED: Ui = Ui::new(
    "انتهت المعاينة: لم يُحفظ شيء.",
    "Preview finished: nothing was stored.",
);
pub const DESIGN_REFUSED: Ui = Ui::new("ملفات مرفوضة", "Refused files");
pub const DESIGN_REFUSED_NOTE: Ui = Ui::new(
    "لا تُعرض هذه الملفات على المشاركين حتى تُصلح (ويبقى إصدارها السابق، إن وُجد، قيد العمل):",
    "These files are not served until they are fixed (their previous version, if any, keeps serving):",
);
pub const DESIGN_RELOAD: Ui = Ui::new("أعد تحميل ملفات الاستبيانات", "Reload the survey files");
pub const DRAFT: Ui = Ui::new("مسودة", "Draft");
pub const PUBLISHED: Ui = Ui::new("منشور", "Published");
pub const SURVEY_CHANGED: Ui = Ui::new(
    "حُدِّث هذا الاستبيان أثناء إجابتك. احتفظنا بإجاباتك عن الأسئلة التي لم تتغيّر؛ أجب عن الأسئلة المعروضة.",
    "This survey was updated while you were answering. We kept your answers to the questions that did not change; please answer the questions shown.",
);
pub const CLEAR_ANSWERS: Ui = Ui::new("امسح إجاباتي", "Clear my answers");
/// On the start page after "clear my answers": it worked, and the phone can be handed on.
pub const ANSWERS_CLEARED: Ui = Ui::new(
    "مُسحت إجاباتك من هذا الجهاز. يمكن لشخص آخر أن يبدأ الاستبيان من جديد.",
    "Your answers were cleared from this device. Someone else can now start the survey afresh.",
);
pub const CLEAR_ANSWERS_HINT: Ui = Ui::new(
    "على جهاز مشترك: يمسح كل ما أدخلته في هذا الاستبيان على هذا الجهاز. لم يُرسل شيء بعد.",
    "On a shared device: removes everything you entered in this survey on this device. Nothing has been sent yet.",
);
pub const TOO_MANY_SUBMITS_TITLE: Ui = Ui::new(
    "إجابات كثيرة من هذا الاتصال",
    "Too many answers from this connection",
);
pub const TOO_MANY_SUBMITS_BODY: Ui = Ui::new(
    "وصلتنا إجابات كثيرة من هذا الاتصال في الساعة الأخيرة. إجاباتك محفوظة على هذا الجهاز: أرسلها مرة أخرى بعد قليل.",
    "We received many answers from this connection in the last hour. Your answers are kept on this device: send them again in a while.",
);
pub const INVITATION_NOT_VALID_TITLE: Ui =
    Ui::new("رابط الدعوة غير صالح", "This invitation link is not valid");
pub const INVITATION_NOT_VALID_BODY: Ui = Ui::new(
    "تحقّق من أنك كتبت الرابط كاملًا كما في الدعوة، أو امسح الرمز مرة أخرى.",
    "Check that the whole link was typed as in the invitation, or scan the code again.",
);
pub const QUOTA_FULL_TITLE: Ui = Ui::new("شكرًا لك", "Thank you");
pub const QUOTA_FULL_BODY: Ui = Ui::new(
    "لدينا ما يكفي من الإجابات من أشخاص مثلك في هذا الاستطلاع، فلا حاجة إلى أن تكمل. لم تُحفظ إجاباتك.",
    "We already have enough answers from people like you for this survey, so you do not need to go on. Your answers have not been kept.",
);
pub const QUOTAS: Ui = Ui::new("الحصص", "Quotas");
pub const QUOTA_CELL: Ui = Ui::new("الخانة", "Cell");
pub const QUOTA_FILLED: Ui = Ui::new("المكتمل", "Completed");
pub const QUOTA_LIMIT: Ui = Ui::new("المطلوب", "Limit");
pub const INVITATION_USED_TITLE: Ui = Ui::new(
    "استُخدم رابط الدعوة هذا من قبل",
    "This invitation link has already been used",
);
pub const INVITATION_USED_BODY: Ui = Ui::new(
    "كل دعوة تُستخدم مرة واحدة. إن كنت بدأت الإجابة على هذا الجهاز فافتح قائمة الاستبيانات وتابع من حيث توقفت.",
    "Each invitation works once. If you started answering on this device, open the list of surveys and carry on where you stopped.",
);
pub const RESPONSE_RATES: Ui = Ui::new(
    "معدلات الاستجابة للعيّنة المسحوبة",
    "Response rates of the drawn sample",
);
pub const INVITED: Ui = Ui::new("المدعوّون", "Invited");
pub const COMPLETED: Ui = Ui::new("أكملوا", "Completed");
pub const RR1: Ui = Ui::new("معدل الاستجابة (RR1)", "Response rate (RR1)");
/// How each channel's respondents were reached, said on every results page (AAPOR disclosure).
pub const RESULTS_SAMPLING_NOTE: Ui = Ui::new(
    "كيف جُمعت العيّنة: الإجابات عبر الروابط المشتركة والملصقات وشاشات الخدمة الذاتية والمقابلات الميدانية عيّنة غير احتمالية (يختار الناس المشاركة)؛ وحدها الإجابات عبر دعوات عيّنة مسحوبة عيّنة احتمالية. لا تصحّح الأوزان إلا ما تعرفه من خصائص السكان؛ افصل النتائج حسب قناة الإجابة للمقارنة.",
    "How the sample was gathered: responses through shared links, posters, kiosks and field interviews are a non-probability sample (people choose to take part); only responses to the invitations of a drawn sample are a probability sample. Weighting corrects only for the population characteristics it knows; break the results down by channel to compare.",
);
