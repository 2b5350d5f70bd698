//! Weighting-class nonresponse adjustment: within each class (the invitation's stratum), the
//! respondents' weights are multiplied by invited ÷ responded, so that they stand for everyone
//! invited in their class, not only those who answered (Kalton & Flores-Cervantes 2003, §2;
//! with the equal base weights of a stratified simple random sample it is the same as the
//! ratio of weighted counts).

use crate::{Error, Result};

/// One factor per row. `classes[i]` indexes `invited` (people invited in each class);
/// respondents are counted per class from `classes`. Fails, naming the class, when a class has
/// respondents but no invitations, or more respondents than invitations.
pub fn class_factors(
    classes: &[u32],
    invited: &[Option<f64>],
    labels: &[String],
) -> Result<Vec<f64>> {
    let mut responded = vec![0u64; invited.len()];
    for &c in classes {
        match responded.get_mut(c as usize) {
            Some(n) => *n += 1,
            None => return Err(Error::Stats(format!("class code {c} has no label"))),
        }
    }
    let label = |c: usize| labels.get(c).map_or("?", String::as_str);
    let mut factor = vec![1.0; invited.len()];
    for (c, (&n, inv)) in responded.iter().zip(invited).enumerate() {
        if n == 0 {
            continue;
        }
        let Some(inv) = *inv else {
            return Err(Error::Stats(format!(
                "nonresponse: class `{}` has {n} respondents but no invitations",
                label(c)
            )));
        };
        if inv < n as f64 {
            return Err(Error::Stats(format!(
                "nonresponse: class `{}` has {n} respondents but only {inv} invitations",
                label(c)
            )));
        }
        factor[c] = inv / n as f64;
    }
    Ok(classes.iter().map(|&c| factor[c as usize]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respondents_stand_for_everyone_invited_in_their_class() {
        // Class a: 10 invited, 4 answered; class b: 6 invited, 3 answered.
        let classes = [0, 0, 1, 0, 1, 0, 1];
        let labels = vec!["a".to_string(), "b".to_string()];
        let f = class_factors(&classes, &[Some(10.0), Some(6.0)], &labels).unwrap();
        assert_eq!(f, vec![2.5, 2.5, 2.0, 2.5, 2.0, 2.5, 2.0]);
        // Σ factors per class = invited.
        let sum_a: f64 = classes
            .iter()
            .zip(&f)
            .filter(|(c, _)| **c == 0)
            .map(|(_, f)| f)
            .sum();
        assert_eq!(sum_a, 10.0);
    }

    #[test]
    fn impossible_counts_name_the_class() {
        let labels = vec!["basra".to_string(), "ninawa".to_string()];
        let e = class_factors(&[0, 0, 0], &[Some(2.0), Some(5.0)], &labels).unwrap_err();
        assert!(
            e.to_string()
                .contains("class `basra` has 3 respondents but only 2 invitations"),
            "{e}"
        );
        let e = class_factors(&[1], &[Some(2.0), None], &labels).unwrap_err();
        assert!(
            e.to_string()
                .contains("class `ninawa` has 1 respondents but no invitations"),
            "{e}"
        );
        // A class nobody answered in is no error (it is reported as nonresponse elsewhere).
        assert_eq!(
            class_factors(&[0], &[Some(4.0), Some(3.0)], &labels).unwrap(),
            vec![4.0]
        );
    }
}
