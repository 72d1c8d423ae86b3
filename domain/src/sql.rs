//! How the domain's ids, statuses and currencies are stored in PostgreSQL (the `sqlx` feature,
//! enabled by the persistence layer only): ids as `uuid`, statuses as `text` holding their stored
//! names, currencies as their code. With these, checked queries read domain types directly
//! (`as "status: SeatStatus"`); binds still pass the plain value (`id.as_uuid()`,
//! `status.as_str()`): the macros check a bind's Rust type against the column's.

use crate::booking::BookingStatus;
use crate::ids::{
    AccountId, AddonId, BookingId, InvoiceId, MovieId, OfferId, PartnerId, PaymentId, PlanId,
    ReviewId, ScreenId, ShowId, SubscriptionId, TheaterId,
};
use crate::status::{
    Funder, PartnerStatus, PaymentStatus, PeriodUnit, RedemptionStatus, Role, SeatStatus,
    SettlementPeriod, ShowStatus, Stacking, SubscriptionEnd, SubscriptionStatus,
};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Encode, Postgres, Type};
use uuid::Uuid;

macro_rules! uuid_column {
    ($($name:ident),+) => {$(
        impl Type<Postgres> for $name {
            fn type_info() -> PgTypeInfo {
                <Uuid as Type<Postgres>>::type_info()
            }
        }

        impl Encode<'_, Postgres> for $name {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <Uuid as Encode<Postgres>>::encode_by_ref(&self.as_uuid(), buf)
            }
        }

        impl Decode<'_, Postgres> for $name {
            fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
                Ok(Self::from_uuid(<Uuid as Decode<Postgres>>::decode(value)?))
            }
        }
    )+};
}

macro_rules! text_column {
    ($($name:ident),+) => {$(
        impl Type<Postgres> for $name {
            fn type_info() -> PgTypeInfo {
                <&str as Type<Postgres>>::type_info()
            }

            fn compatible(ty: &PgTypeInfo) -> bool {
                <&str as Type<Postgres>>::compatible(ty)
            }
        }

        impl Encode<'_, Postgres> for $name {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <&str as Encode<Postgres>>::encode_by_ref(&self.as_str(), buf)
            }
        }

        impl Decode<'_, Postgres> for $name {
            fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
                let raw = <&str as Decode<Postgres>>::decode(value)?;
                Self::parse(raw).ok_or_else(|| {
                    format!("{raw:?} is not a {}", stringify!($name)).into()
                })
            }
        }
    )+};
}

uuid_column!(
    AccountId,
    AddonId,
    BookingId,
    InvoiceId,
    MovieId,
    OfferId,
    PartnerId,
    PaymentId,
    PlanId,
    ReviewId,
    ScreenId,
    ShowId,
    SubscriptionId,
    TheaterId
);
text_column!(
    BookingStatus,
    SeatStatus,
    ShowStatus,
    PaymentStatus,
    PartnerStatus,
    Role,
    SettlementPeriod,
    Funder,
    Stacking,
    RedemptionStatus,
    SubscriptionStatus,
    SubscriptionEnd,
    PeriodUnit
);

/// A currency is stored as its code (`text`); a stored code that is not one fails to decode.
impl Type<Postgres> for crate::Currency {
    fn type_info() -> PgTypeInfo {
        <&str as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <&str as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for crate::Currency {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <&str as Encode<Postgres>>::encode_by_ref(&self.as_str(), buf)
    }
}

impl Decode<'_, Postgres> for crate::Currency {
    fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        let raw = <&str as Decode<Postgres>>::decode(value)?;
        Ok(Self::parse(raw)?)
    }
}
