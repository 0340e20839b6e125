//! One rule for every path that moves credits or records attendance: nobody
//! is the witness of their own gain. An organiser who is also a member may
//! not award, confirm, check in or out by hand, or reverse anything that
//! pays themselves, and may not claim a wish they posted. What a member does
//! for themselves goes through a witness instead: the organiser's rotating
//! code, another organiser, the wish's poster.

use crate::auth::Actor;
use crate::kernel::Rejection;
use crate::refusal::Why;

/// The act an actor tried on their own behalf (and the refusal's reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnGain {
    Award,
    Reverse,
    CheckInByHand,
    CheckOutByHand,
    ClaimOwnWish,
    ConfirmOwnWish,
    OwnCard,
}

impl OwnGain {
    pub fn reason(self) -> Why {
        match self {
            OwnGain::Award => Why::NoSelfCreditAdjust,
            OwnGain::Reverse => Why::NoSelfReversal,
            OwnGain::CheckInByHand => Why::NoSelfManualCheckIn,
            OwnGain::CheckOutByHand => Why::NoSelfManualCheckOut,
            OwnGain::ClaimOwnWish => Why::NoClaimOwnWish,
            OwnGain::ConfirmOwnWish => Why::NoSelfWishConfirm,
            OwnGain::OwnCard => Why::NoSelfCard,
        }
    }
}

/// Refuses when `beneficiary` (a member id) is the actor's own record.
pub fn refuse_own(actor: &Actor, beneficiary: &str, act: OwnGain) -> Result<(), Rejection> {
    if actor.is_member(beneficiary) {
        Err(Rejection::Forbidden(act.reason()))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_actors_own_record_is_refused() {
        let actor = Actor {
            account_id: "acc-sec".into(),
            member_id: Some("m-sec".into()),
            member_org_path: Some("/c/b1/".into()),
            roles: vec![],
        };
        assert_eq!(
            refuse_own(&actor, "m-sec", OwnGain::Award),
            Err(Rejection::Forbidden(Why::NoSelfCreditAdjust))
        );
        assert_eq!(refuse_own(&actor, "m1", OwnGain::Award), Ok(()));
        let no_member = Actor {
            member_id: None,
            ..actor
        };
        assert_eq!(refuse_own(&no_member, "", OwnGain::Reverse), Ok(()));
    }
}
