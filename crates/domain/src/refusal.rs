//! Why a change was refused, in a form every language can render.
//!
//! Each refusal is a variant with a stable key and its default (Chinese)
//! text; on the wire it travels as a [`Reason`] (the key and the values the
//! text needs), and the app renders `refusal_<key>` from its locale files, so
//! an English reader reads English. The Chinese text stays the message the
//! server logs and stores, and the default wherever no locale applies.

use serde::{Deserialize, Serialize};

/// A refusal on the wire: `key` names the text (`refusal_<key>` in the app's
/// locale files), `params` fill its `{{ name }}` placeholders.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub key: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(String, String)>,
}

impl Reason {
    pub fn new(key: &str) -> Self {
        Reason {
            key: key.into(),
            params: Vec::new(),
        }
    }

    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.params.push((name.into(), value.to_string()));
        self
    }
}

/// Too many wrong check-in codes for one activity: the server waits
/// `minutes` before judging another. The Chinese text and the reason.
pub fn code_throttled(minutes: u64) -> (String, Reason) {
    (
        format!("签到码错误次数过多，请 {minutes} 分钟后再试"),
        Reason::new("code_throttled").with("minutes", minutes),
    )
}

macro_rules! texts {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $key:literal, $zh:literal;)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// Stable: locale files and stored refusals name it.
            pub fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)*
                }
            }

            /// The default (Chinese) text.
            pub fn zh(self) -> &'static str {
                match self {
                    $($name::$variant => $zh,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.zh())
            }
        }
    };
}

texts! {
    /// Why a mutation is refused (a permission or a conflict with the data).
    Why {
        TooManyRecords = "too_many_records", "一次修改涉及的记录太多";
        SignUpBatchLimit = "sign_up_batch_limit", "一次最多为 50 人报名";
        ParentCannotContainKind = "parent_cannot_contain_kind", "上级党组织不能包含这一类党组织";
        ParentCannotCreateKind = "parent_cannot_create_kind", "上级党组织不能设立这一类党组织";
        OutsideCheckInTime = "outside_check_in_time", "不在活动签到时间内";
        MenuForPastMonth = "menu_for_past_month", "不能为已经过去的月份制定菜单";
        NoSelfManualCheckIn = "no_self_manual_check_in", "不能为自己补签到，请用签到码签到";
        NoSelfManualCheckOut = "no_self_manual_check_out", "不能为自己补签退，请用签到码签退";
        NoSelfReversal = "no_self_reversal", "不能冲正自己的积分记录";
        NoSelfWishConfirm = "no_self_wish_confirm", "不能确认自己认领的微心愿";
        NoMoveUnderDescendant = "no_move_under_descendant", "不能移到自己的下级组织之下";
        NoSelfCreditAdjust = "no_self_credit_adjust", "不能给自己调整积分";
        NoClaimOwnWish = "no_claim_own_wish", "不能认领自己发布的微心愿";
        RedeemTimeInFuture = "redeem_time_in_future", "兑换时间晚于当前时间，请检查设备时间";
        WrongRedemptionCode = "wrong_redemption_code", "兑换码不正确";
        RedemptionCodeUsed = "redemption_code_used", "兑换码已使用";
        RedemptionCodeFormat = "redemption_code_format", "兑换码应为 6 位数字";
        MemberBranchOrGroupOnly = "member_branch_or_group_only", "党员只能加入党支部或党小组";
        ParentCommitteeRenamesOrg = "parent_committee_renames_org", "只有上级党委可以修改党组织名称";
        ParentCommitteeCreatesOrg = "parent_committee_creates_org", "只有上级党委可以设立党组织";
        SecretaryOrStationPostsWish = "secretary_or_station_posts_wish", "只有书记或驿站可以发布微心愿";
        MemberMakesPledge = "member_makes_pledge", "只有党员可以作出承诺";
        MemberClaimsWish = "member_claims_wish", "只有党员可以认领微心愿";
        PosterConfirmsWish = "poster_confirms_wish", "只有发布者可以确认微心愿";
        CommitteeRunsExpiry = "committee_runs_expiry", "只有工委可以执行年底清零";
        CommitteeSetsCreditRules = "committee_sets_credit_rules", "只有工委可以设置积分规则";
        SecretaryReversesCredits = "secretary_reverses_credits", "只有本组织的书记可以冲正积分";
        SecretarySetsRewards = "secretary_sets_rewards", "只有本组织的书记可以设置奖品";
        SecretaryAdjustsCredits = "secretary_adjusts_credits", "只有本组织的书记可以调整积分";
        MultiSignUpGroupOnly = "multi_sign_up_group_only", "只有组团式活动可以为多人报名";
        ClaimerMarksDone = "claimer_marks_done", "只有认领人可以标记完成";
        OnlyOwnOrgSignUp = "only_own_org_sign_up", "只能为本组织的党员报名";
        OnlySelfSignUp = "only_self_sign_up", "只能为自己报名";
        OnlySelfCheckOut = "only_self_check_out", "只能为自己签退";
        OnlyDeviceHold = "only_device_hold", "只能使用为本设备冻结的积分";
        OnlyOwnOrgMemberEdit = "only_own_org_member_edit", "只能修改本组织党员的信息";
        OnlyOwnHold = "only_own_hold", "只能冻结自己的积分";
        OnlyOwnSignUpCancel = "only_own_sign_up_cancel", "只能取消自己的报名";
        OnlyAddToOwnOrg = "only_add_to_own_org", "只能向本组织添加党员";
        OnlyWithinOwnCommittee = "only_within_own_committee", "只能在本党委范围内调整党组织";
        OnlyOwnMerchantConfirm = "only_own_merchant_confirm", "只能核销本商户的兑换";
        OnlyOwnCreditsRedeem = "only_own_credits_redeem", "只能用自己的积分兑换";
        OnlyOwnHoldRelease = "only_own_hold_release", "只能释放自己的积分冻结";
        DuplicateMembers = "duplicate_members", "名单中有重复的党员";
        SeatsBelowConfirmed = "seats_below_confirmed", "名额不能少于已确认的人数";
        SeatsRange = "seats_range", "名额必须是 1 到 10000 之间的整数";
        RedeemAtMerchant = "redeem_at_merchant", "商户的奖品请到商户处兑换";
        NoSeatNoCheckIn = "no_seat_no_check_in", "尚未获得该活动的名额，不能签到";
        AlreadySignedUp = "already_signed_up", "已经报名了该活动";
        AlreadyCheckedIn = "already_checked_in", "已经签到过了";
        AlreadyCheckedOut = "already_checked_out", "已经签退过了";
        AlreadyClaimed = "already_claimed", "已被认领";
        StockBelowRedeemed = "stock_below_redeemed", "库存不能少于已兑换的数量";
        StockTooHigh = "stock_too_high", "库存不能超过 100000";
        WishCreditsRange = "wish_credits_range", "微心愿的积分应在 1 到 200 之间";
        RewardCostRange = "reward_cost_range", "所需积分应在 1 到 100000 之间";
        LocalSaveFailed = "local_save_failed", "无法保存到本机存储";
        HourlyCreditsRange = "hourly_credits_range", "每小时积分应在 1 到 100 之间";
        NothingToExpire = "nothing_to_expire", "没有可清零的积分";
        ActivityMenuFixed = "activity_menu_fixed", "活动不能移到另一个菜单";
        ActivityCancelled = "activity_cancelled", "活动已取消";
        MemberKeyFormat = "member_key_format", "党员码的公钥格式不正确";
        KioskActsForMember = "kiosk_acts_for_member", "只有驿站终端可以代党员办理";
        MemberProofNeeded = "member_proof_needed", "请先出示党员码";
        MemberCodeUnreadable = "member_code_unreadable", "无法识别的党员码";
        MemberCodeOtherMember = "member_code_other_member", "党员码不是该党员的";
        MemberNotAtStation = "member_not_at_station", "该党员不属于本驿站服务的组织";
        KioskTimeInFuture = "kiosk_time_in_future", "办理时间晚于当前时间，请检查终端时间";
        MemberCodeExpired = "member_code_expired", "党员码已过期，请刷新后重新出示";
        MemberCodeReplayed = "member_code_replayed", "该党员码已经使用过，请刷新后重新出示";
        MemberCodeWrongKey = "member_code_wrong_key", "党员码校验失败，请在本人手机上重新打开党员码";
        ActivityNotAtStation = "activity_not_at_station", "该活动不在本驿站举办";
        SecretaryIssuesCards = "secretary_issues_cards", "只有本组织的书记或委员可以制发党员卡";
        NoSelfCard = "no_self_card", "不能给自己制发党员卡";
        MemberCardFormat = "member_card_format", "党员卡的校验值格式不正确";
        MemberCardNumber = "member_card_number", "党员卡编号已变化，请刷新后重试";
        MemberCardRevoked = "member_card_revoked", "该党员卡已作废，请使用新卡或手机上的党员码";
        MemberCardWrong = "member_card_wrong", "党员卡校验失败";
        MemberCardCheckInOnly = "member_card_check_in_only", "凭党员卡只能签到；其他事项请联网输入卡密码，或出示手机上的党员码";
        CardPinExpired = "card_pin_expired", "卡密码的验证已失效，请重新输入卡密码";
        ShortCodeLapsed = "short_code_lapsed", "手输短码的核对已失效，请重新出示党员码";
        ShortCodeSecretFormat = "short_code_secret_format", "党员码短码的密钥格式不正确";
        SecretarySetsCardPin = "secretary_sets_card_pin", "只有本组织的书记或委员可以为党员设置卡密码";
        CardPinFormat = "card_pin_format", "卡密码应为 6 位数字";
        CardPinGuessable = "card_pin_guessable", "卡密码不能是同一数字重复或连续的数字";
        NotAtThisStation = "not_at_this_station", "只能在本驿站办理本驿站的活动和微心愿";
        ActivityEnded = "activity_ended", "活动已结束";
        DurationRange = "duration_range", "活动时长应在 1 分钟到 24 小时之间";
        ActivityOutsideMenuMonth = "activity_outside_menu_month", "活动时间应在菜单的月份之内";
        DuplicateItemId = "duplicate_item_id", "活动项目编号重复";
        HoldWrongMember = "hold_wrong_member", "积分冻结不属于该党员";
        CheckInTimeInFuture = "check_in_time_in_future", "签到时间晚于当前时间，请检查手机时间";
        CheckOutBeforeCheckIn = "check_out_before_check_in", "签退时间应晚于签到时间";
        CheckOutNeedsCode = "check_out_needs_code", "签退需要输入签到码";
        JointMenuByRotatingChair = "joint_menu_by_rotating_chair", "红盟联合菜单由当月轮值主席单位制定";
        GroupSignUpIncludesSelf = "group_sign_up_includes_self", "组团报名的名单中要有你自己";
        IdTaken = "id_taken", "编号已被使用";
        MenuOrgMonthFixed = "menu_org_month_fixed", "菜单的组织和月份不能修改";
        MenuNeedsActivity = "menu_needs_activity", "菜单至少要有一项活动";
        TooManyOptionalRequired = "too_many_optional_required", "要求完成的自选项目多于菜单中的自选项目";
        RulesNotLoaded = "rules_not_loaded", "规则尚未载入，请稍后再试";
        WrongRuleId = "wrong_rule_id", "规则编号不正确";
        ClaimerNotDone = "claimer_not_done", "认领人还没有标记完成";
        MemberIdExists = "member_id_exists", "该党员编号已存在";
        OrgIdExists = "org_id_exists", "该党组织编号已存在";
        RewardNotForYourOrg = "reward_not_for_your_org", "该奖品不面向你的组织";
        RewardWithdrawn = "reward_withdrawn", "该奖品已下架";
        RewardSoldOut = "reward_sold_out", "该奖品已兑完";
        YearNotOver = "year_not_over", "该年度尚未结束";
        WishNotClaimed = "wish_not_claimed", "该微心愿不在认领中";
        WishNotForYourOrg = "wish_not_for_your_org", "该微心愿不面向你的组织";
        WishHasNoClaimer = "wish_has_no_claimer", "该微心愿没有认领人";
        SignUpCancelled = "sign_up_cancelled", "该报名已取消";
        SignUpProcessed = "sign_up_processed", "该报名已处理";
        NoCheckOutNeeded = "no_check_out_needed", "该活动不需要签退";
        NoCheckInCode = "no_check_in_code", "该活动还没有签到码，请组织者重新保存活动";
        JointMenuExists = "joint_menu_exists", "该红盟本月已有联合菜单";
        SecretaryRecordsMeetings = "secretary_records_meetings", "只有本组织的书记或上级党委可以记录会议";
        CommitteeSetsMeetingRules = "committee_sets_meeting_rules", "只有工委可以设置组织生活要求";
        MeetingRulesRange = "meeting_rules_range", "每类会议的要求次数应在 1 到 10 之间";
        DuplicateDue = "duplicate_due", "应到名单中有重复的党员";
        NotDue = "not_due", "出席或缺席的党员不在应到名单中";
        PresentAndAbsent = "present_and_absent", "同一名党员不能既出席又缺席";
        TooManyDue = "too_many_due", "应到人数不能超过 120 人";
        DueNotInOrg = "due_not_in_org", "应到党员须是本组织的党员";
        MeetingInFuture = "meeting_in_future", "会议时间不能晚于现在，请在会后记录";
        MeetingOrgFixed = "meeting_org_fixed", "会议记录的组织不能更改";
        ActivityOfAnotherOrg = "activity_of_another_org", "关联的活动不是本组织的活动";
        OrganisersArrangeActivities = "organisers_arrange_activities", "只有本组织的书记或上级党委可以安排活动";
        ExpiryNotEnabled = "expiry_not_enabled", "该组织未启用年底积分清零";
        MenuExists = "menu_exists", "该组织本月已有活动菜单";
        NoMemberProfile = "no_member_profile", "该账号没有党员档案";
        ItemHasActivities = "item_has_activities", "该项目下已有活动，请先取消这些活动再删除项目";
        LoginRequired = "login_required", "请先登录";
        NotOwnOrgActivity = "not_own_org_activity", "这不是本组织的活动";
        CreditsAlreadyRecorded = "credits_already_recorded", "这笔积分已经记过了";
        PageIncomplete = "page_incomplete", "页面没有下载完整，请联网后重试";
        SecretaryWritesCourses = "secretary_writes_courses", "只有本组织的书记或上级党委可以编写课程";
        CourseNeedsLesson = "course_needs_lesson", "课程至少要有一课";
        TooManyLessons = "too_many_lessons", "一门课程最多 24 课";
        CourseTooLong = "course_too_long", "课程的全部课文合计不能超过 60000 字";
        DuplicateLessonId = "duplicate_lesson_id", "课文编号重复";
        TooManyQuestions = "too_many_questions", "每课的自测最多 10 题";
        ChoicesRange = "choices_range", "每道题应有 2 到 6 个选项";
        QuestionNeedsAnswer = "question_needs_answer", "每道题至少要有一个正确选项";
        AnswerNotAChoice = "answer_not_a_choice", "正确答案须是不重复的选项";
        CourseOrgFixed = "course_org_fixed", "课程所属的组织不能更改";
        AudienceOutsideScope = "audience_outside_scope", "只能面向本组织及下级组织发布";
        KioskHoldTooLarge = "kiosk_hold_too_large", "可用积分不够预留这么多，请选少一些，或在手机“积分”页查看";
    }
}

texts! {
    /// What could not be found.
    Thing {
        ParentOrg = "parent_org", "上级党组织";
        Redemption = "redemption", "兑换记录";
        Member = "member", "党员";
        Org = "org", "党组织";
        Reward = "reward", "奖品";
        Wish = "wish", "微心愿";
        SignUp = "sign_up", "报名";
        Activity = "activity", "活动";
        Menu = "menu", "活动菜单";
        Hold = "hold", "积分冻结";
        CheckIn = "check_in", "签到记录";
        Alliance = "alliance", "红盟";
        MenuItem = "menu_item", "菜单项目";
        Course = "course", "课程";
        Lesson = "lesson", "课文";
        MemberKey = "member_key", "党员码";
        MemberCard = "member_card", "党员卡";
    }
}

texts! {
    /// The fields a refusal can name (`field.<key>` in the locale files).
    Field {
        Id = "id", "编号";
        ClientId = "client_id", "设备编号";
        Name = "name", "名称";
        Phone = "phone", "手机号";
        Workplace = "workplace", "工作单位";
        Place = "place", "地点";
        Description = "description", "说明";
        Note = "note", "备注";
        Secret = "secret", "签到码";
        Month = "month", "月份";
        Reason = "reason", "原因";
        RewardTitle = "reward_title", "奖品名称";
        MerchantAccount = "merchant_account", "商户账号";
        MerchantName = "merchant_name", "商户名称";
        Device = "device", "设备";
        PledgeText = "pledge_text", "承诺内容";
        WishTitle = "wish_title", "心愿内容";
        Requester = "requester", "心愿人";
        Topic = "topic", "主题";
        Host = "host", "主持人";
        Recorder = "recorder", "记录人";
        Minutes = "minutes", "会议记录";
        Decisions = "decisions", "决议";
        CourseTitle = "course_title", "课程名称";
        Summary = "summary", "课程简介";
        Audience = "audience", "面向的组织";
        LessonTitle = "lesson_title", "课文标题";
        LessonBody = "lesson_body", "课文";
        Question = "question", "题目";
        Choice = "choice", "选项";
        Explanation = "explanation", "解析";
        Reflection = "reflection", "学习心得";
        Audio = "audio", "音频";
        Session = "session", "办理会话";
    }
}
