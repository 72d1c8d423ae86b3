//! Checking a new or edited offer before anything is written: the rule's own fields (with
//! `domain::offer_rules`), who may fund it, and that every id of its scope exists and belongs
//! to the offer's partner. Every problem is listed in one 422.

use super::json::NewOffer;
use crate::auth::AuthUser;
use crate::dates::check_instant;
use crate::error::{ApiError, ApiResult};
use crate::routes::common::required_text;
use chrono::{DateTime, Utc};
use mtbp_domain::offer_rules::{
    check_benefit, check_conditions, check_scope_text, check_window_and_limits, offer_code,
};
use mtbp_domain::pricing::{Benefit, Conditions, OfferScope};
use mtbp_domain::seats::FieldError;
use mtbp_domain::{Funder, OfferId, PartnerId, Stacking, TheaterId};
use mtbp_store::PgPool;
use mtbp_store::accounts::{ownership, partners};
use mtbp_store::catalog::{movies, shows};
use mtbp_store::offers::OfferRecord;
use mtbp_store::offers::admin::{self, OfferFields};

/// A checked offer, ready to store.
#[derive(Debug)]
pub(super) struct Draft {
    pub name: String,
    pub description: String,
    /// The code as entered (upper case), when one was entered.
    pub code: Option<String>,
    pub generate_code: bool,
    pub benefit: Benefit,
    pub conditions: Conditions,
    pub scope: OfferScope,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub funded_by: Funder,
    pub stacking: Stacking,
    pub listed: bool,
    pub limit_total: Option<i32>,
    pub limit_per_customer: Option<i32>,
}

impl Draft {
    /// The fields to store, with `code` (the one entered or generated).
    pub fn fields<'a>(&'a self, code: Option<&'a str>) -> OfferFields<'a> {
        OfferFields {
            name: &self.name,
            description: &self.description,
            code,
            benefit: &self.benefit,
            conditions: &self.conditions,
            scope: &self.scope,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            funded_by: self.funded_by,
            stacking: self.stacking,
            listed: self.listed,
            limit_total: self.limit_total,
            limit_per_customer: self.limit_per_customer,
        }
    }
}

fn count(n: Option<u32>) -> Option<i32> {
    n.map(|n| i32::try_from(n).unwrap_or(i32::MAX))
}

/// Checks `body` for an offer of `partner` (`None`: platform-wide) by `user`; `current` is the
/// offer being edited.
pub(super) async fn check(
    db: &PgPool,
    body: NewOffer,
    user: &AuthUser,
    partner: Option<PartnerId>,
    current: Option<&OfferRecord>,
    now: DateTime<Utc>,
) -> ApiResult<Draft> {
    let mut errors = Vec::new();
    let mut draft = check_fields(body, user, partner, current, now, &mut errors);
    check_scope_ids(db, &mut draft.scope, partner, &mut errors).await?;
    if errors.is_empty() {
        Ok(draft)
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn check_fields(
    body: NewOffer,
    user: &AuthUser,
    partner: Option<PartnerId>,
    current: Option<&OfferRecord>,
    now: DateTime<Utc>,
    errors: &mut Vec<FieldError>,
) -> Draft {
    let (name, description, code) = check_texts(&body, errors);
    let (mut benefit, mut conditions, mut scope) = (body.benefit, body.conditions, body.scope);
    check_benefit(&mut benefit, errors);
    check_conditions(&mut conditions, errors);
    scope.partner_id = partner;
    check_scope_text(&mut scope, errors);
    let valid_from = body
        .valid_from
        .or(current.map(|c| c.offer.valid_from))
        .unwrap_or(now);
    // Years PostgreSQL may not store are a 422 on the field, like every date of the API.
    if let Some(from) = body.valid_from {
        check_instant("valid_from", from, errors);
    }
    if let Some(until) = body.valid_until {
        check_instant("valid_until", until, errors);
    }
    check_window_and_limits(
        valid_from,
        body.valid_until,
        body.limit_total,
        body.limit_per_customer,
        errors,
    );
    let funded_by = check_funding(body.funded_by, user, partner, current, errors);
    Draft {
        name,
        description,
        code,
        generate_code: body.generate_code,
        benefit,
        conditions,
        scope,
        valid_from,
        valid_until: body.valid_until,
        funded_by,
        stacking: body.stacking.unwrap_or(Stacking::Exclusive),
        listed: body.listed.unwrap_or(true),
        limit_total: count(body.limit_total),
        limit_per_customer: count(body.limit_per_customer),
    }
}

/// The name, the description and the code entered (upper case).
fn check_texts(body: &NewOffer, errors: &mut Vec<FieldError>) -> (String, String, Option<String>) {
    let name = required_text("name", &body.name, 120, errors);
    let description = body.description.trim().to_owned();
    if description.chars().count() > 1000 {
        errors.push(FieldError::new("description", "at most 1000 characters"));
    }
    let code = body.code.as_deref().and_then(|raw| {
        let code = offer_code(raw);
        if code.is_none() {
            errors.push(FieldError::new("code", "4-32 letters, digits or -"));
        }
        code
    });
    if body.code.is_some() && body.generate_code {
        errors.push(FieldError::new(
            "generate_code",
            "give a code or generate_code, not both",
        ));
    }
    (name, description, code)
}

/// A platform-wide offer is the platform's to fund; a partner's offer is the partner's unless
/// an operator decided otherwise (then its staff may keep that when they edit it).
fn check_funding(
    asked: Option<Funder>,
    user: &AuthUser,
    partner: Option<PartnerId>,
    current: Option<&OfferRecord>,
    errors: &mut Vec<FieldError>,
) -> Funder {
    let Some(_) = partner else {
        if asked == Some(Funder::Partner) {
            errors.push(FieldError::new(
                "funded_by",
                "a platform-wide offer is funded by the platform",
            ));
        }
        return Funder::Platform;
    };
    let funded_by = asked.unwrap_or(Funder::Partner);
    let decided = current.is_some_and(|c| c.offer.funded_by == Funder::Platform);
    if funded_by == Funder::Platform && !user.is_operator() && !decided {
        errors.push(FieldError::new(
            "funded_by",
            "only an operator may have the platform fund a partner's offer",
        ));
    }
    funded_by
}

/// Whether a thing of `owner` may be in the scope of an offer of `partner` (any partner's for
/// a platform-wide offer).
fn belongs(owner: Option<PartnerId>, partner: Option<PartnerId>) -> bool {
    partner.is_none() || owner == partner
}

async fn theater_ok(
    db: &PgPool,
    theater: TheaterId,
    partner: Option<PartnerId>,
) -> ApiResult<Result<(), &'static str>> {
    Ok(match ownership::theater_partner(db, theater).await? {
        None => Err("no such open theater"),
        Some(owner) if !belongs(owner, partner) => Err("a theater of another partner"),
        Some(_) => Ok(()),
    })
}

/// Every id of the scope exists, belongs to the partner, and agrees with the others.
async fn check_scope_ids(
    db: &PgPool,
    scope: &mut OfferScope,
    partner: Option<PartnerId>,
    errors: &mut Vec<FieldError>,
) -> ApiResult<()> {
    let mut problem = |field: &str, message: &str| errors.push(FieldError::new(field, message));
    if let Some(p) = partner
        && partners::status(db, p).await?.is_none()
    {
        problem("scope.partner_id", "no such partner");
    }
    if let Some(t) = scope.theater_id
        && let Err(why) = theater_ok(db, t, partner).await?
    {
        problem("scope.theater_id", why);
    }
    if let Some(s) = scope.screen_id {
        match ownership::screen_theater(db, s).await? {
            None => problem("scope.screen_id", "no such screen in service"),
            Some(t) if scope.theater_id.is_some_and(|want| want != t) => {
                problem("scope.screen_id", "a screen of another theater")
            }
            Some(t) => {
                if let Err(why) = theater_ok(db, t, partner).await? {
                    problem("scope.screen_id", why);
                }
            }
        }
    }
    if let Some(m) = scope.movie_id
        && !movies::exists(db, m).await?
    {
        problem("scope.movie_id", "no such movie");
    }
    if let Some(s) = scope.show_id {
        match shows::find(db, s).await? {
            None => problem("scope.show_id", "no such show"),
            Some(show) => {
                let agrees = scope.theater_id.is_none_or(|t| t == show.theater_id)
                    && scope.screen_id.is_none_or(|s| s == show.screen_id)
                    && scope.movie_id.is_none_or(|m| m == show.movie_id);
                if !agrees {
                    problem("scope.show_id", "not at that theater, screen or movie");
                } else if let Err(why) = theater_ok(db, show.theater_id, partner).await? {
                    problem("scope.show_id", why);
                }
            }
        }
    }
    Ok(())
}

/// The code to store for `draft`: a fresh generated one, the one entered (a 409 if another
/// live offer has it; `except` is the offer being edited), or none for an automatic offer.
pub(super) async fn code_for(
    db: &PgPool,
    draft: &Draft,
    except: Option<OfferId>,
) -> ApiResult<Option<String>> {
    if draft.generate_code {
        // 31^12 codes: a collision is all but impossible, but cheap to rule out.
        for _ in 0..4 {
            let code = super::generated_code();
            if !admin::code_in_use(db, &code, None).await? {
                return Ok(Some(code));
            }
        }
        return Err(anyhow::anyhow!("four generated offer codes were all taken").into());
    }
    match &draft.code {
        Some(code) if admin::code_in_use(db, code, except).await? => Err(super::code_taken(code)),
        code => Ok(code.clone()),
    }
}
