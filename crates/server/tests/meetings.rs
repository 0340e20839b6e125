//! 三会一课 records through HTTP, on SQLite and PostgreSQL: the secretary
//! records a meeting; members of the org see it with their own attendance
//! line only, members of other orgs not at all; a member cannot record one.

mod common;

use common::{account, docs, login, push, rejection};
use zhijian_domain::Op;
use zhijian_domain::RoleKind;
use zhijian_domain::doc::Doc;
use zhijian_domain::meeting::{Absence, Meeting, MeetingKind};

fn meeting(now: i64) -> Meeting {
    Meeting {
        id: "mt-committee".into(),
        org_id: "yuehai".into(),
        kind: MeetingKind::Committee,
        at: now - 2 * 3600,
        place: "悦海新天地党群服务驿站".into(),
        host: "李建国".into(),
        recorder: "周婷".into(),
        topic: "研究本季度发展党员工作".into(),
        activity_id: None,
        due: vec!["m-01".into(), "m-02".into(), "m-03".into()],
        present: vec!["m-02".into(), "m-03".into()],
        absent: vec![Absence {
            member_id: "m-01".into(),
            leave: Some("在外地出差".into()),
        }],
        minutes: "会议听取了入党积极分子培养情况汇报。".into(),
        decisions: "确定周婷为发展对象。".into(),
        recorded_by: String::new(),
    }
}

#[tokio::test]
async fn members_see_their_orgs_meetings_with_their_own_line_only() {
    for s in common::servers().await {
        let now = zhijian_server::auth::now_secs();
        let secretary = login(&s.client, "13900000002", "demo1234").await;
        let r = push(
            &secretary,
            "sec-dev",
            vec![(1, Op::SaveMeeting(meeting(now)))],
        )
        .await;
        assert_eq!(rejection(&r, 1), None, "{}", s.backend);

        // The secretary sees the whole record, stamped with who recorded it.
        let Some(Doc::Meeting(full)) = docs(&secretary, "sec-dev").await.remove("mt-committee")
        else {
            panic!("the secretary sees the meeting ({})", s.backend);
        };
        assert_eq!(full.absent.len(), 1);
        assert_eq!(full.recorded_by, "acc-secretary");

        // The volunteer (m-03) sees it, but not m-01's reason for leave.
        let volunteer = login(&s.client, "13900000003", "demo1234").await;
        let Some(Doc::Meeting(seen)) = docs(&volunteer, "vol-dev").await.remove("mt-committee")
        else {
            panic!("a member of the org sees the meeting ({})", s.backend);
        };
        assert_eq!(seen.due, vec!["m-03".to_string()]);
        assert_eq!(seen.present, vec!["m-03".to_string()]);
        assert!(
            seen.absent.is_empty(),
            "others' leave stays with the secretary"
        );
        assert_eq!(seen.topic, full.topic);

        // A member of another branch sees nothing of it.
        let other = account(
            &s,
            "wanda-member",
            Some("m-05"),
            &[(RoleKind::Member, Some("wanda"))],
        )
        .await;
        assert!(
            !docs(&other, "other-dev").await.contains_key("mt-committee"),
            "{}",
            s.backend
        );

        // A member cannot record a meeting, nor list members of another org.
        let r = push(
            &volunteer,
            "vol-dev",
            vec![(
                1,
                Op::SaveMeeting(Meeting {
                    id: "mt-forged".into(),
                    ..meeting(now)
                }),
            )],
        )
        .await;
        assert_eq!(
            rejection(&r, 1).as_deref(),
            Some("没有权限：只有本组织的书记或上级党委可以记录会议")
        );
        let mut foreign = meeting(now);
        foreign.id = "mt-foreign".into();
        foreign.due.push("m-05".into());
        let r = push(&secretary, "sec-dev", vec![(2, Op::SaveMeeting(foreign))]).await;
        assert_eq!(
            rejection(&r, 2).as_deref(),
            Some("应到党员须是本组织的党员")
        );
    }
}
