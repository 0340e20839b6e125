//! Courses through HTTP, on SQLite and PostgreSQL: committee staff write a
//! course for their district; members below see it once it is published,
//! never as a draft; a member cannot write one; `import-course` reads a
//! folder of Markdown lessons through the same rules; a member's 学习心得
//! reaches the organisers of their org and nobody else.

mod common;

use common::{account, docs, login, push, rejection};
use zhijian_domain::doc::Doc;
use zhijian_domain::study::{Course, Reflection, parse_lesson};
use zhijian_domain::study_ops::NewReflection;
use zhijian_domain::{Op, RoleKind};

const LESSON: &str = "# 第一讲 初心使命

党员要**牢记**初心使命。

## 自测

1. 党的根本宗旨是什么？
   - [x] 全心全意为人民服务
   - [ ] 发展经济

   > 见党章总纲。
";

fn course(published: bool) -> Course {
    Course {
        id: "course-kuaican".into(),
        org_id: "shxl".into(),
        title: "快餐党课".into(),
        summary: "每课十分钟".into(),
        audience: vec![],
        published,
        lessons: vec![parse_lesson("l1", LESSON).expect("lesson")],
        updated_by: String::new(),
    }
}

#[tokio::test]
async fn members_below_see_published_courses_and_never_drafts() {
    for s in common::servers().await {
        let staff = account(
            &s,
            "shxl-staff",
            None,
            &[(RoleKind::Committee, Some("shxl"))],
        )
        .await;
        let r = push(
            &staff,
            "staff-dev",
            vec![(1, Op::SaveCourse(course(false)))],
        )
        .await;
        assert_eq!(rejection(&r, 1), None, "{}", s.backend);

        // A draft stays with the organisers.
        let member = login(&s.client, "13900000001", "demo1234").await;
        assert!(
            !docs(&member, "m-dev").await.contains_key("course-kuaican"),
            "a draft is not sent to members ({})",
            s.backend
        );
        let Some(Doc::Course(saved)) = docs(&staff, "staff-dev").await.remove("course-kuaican")
        else {
            panic!("the author sees the draft ({})", s.backend);
        };
        assert_eq!(saved.updated_by, "acc-shxl-staff");

        // Published: a member of a branch below reads it, quiz included.
        let r = push(&staff, "staff-dev", vec![(2, Op::SaveCourse(course(true)))]).await;
        assert_eq!(rejection(&r, 2), None, "{}", s.backend);
        let Some(Doc::Course(seen)) = docs(&member, "m-dev").await.remove("course-kuaican") else {
            panic!("a member below sees the published course ({})", s.backend);
        };
        assert_eq!(seen.lessons[0].quiz[0].answer, vec![0]);

        // Not a member of another district's branch (wanda is not under shxl).
        let other = account(
            &s,
            "wanda-member",
            Some("m-05"),
            &[(RoleKind::Member, Some("wanda"))],
        )
        .await;
        assert!(!docs(&other, "o-dev").await.contains_key("course-kuaican"));

        // A member cannot write a course; staff cannot aim one outside their scope.
        let r = push(
            &member,
            "m-dev",
            vec![(
                1,
                Op::SaveCourse(Course {
                    id: "course-forged".into(),
                    org_id: "yuehai".into(),
                    ..course(true)
                }),
            )],
        )
        .await;
        assert_eq!(
            rejection(&r, 1).as_deref(),
            Some("没有权限：只有本组织的书记或上级党委可以编写课程")
        );
        let r = push(
            &staff,
            "staff-dev",
            vec![(
                3,
                Op::SaveCourse(Course {
                    id: "course-wide".into(),
                    audience: vec!["wanda".into()],
                    ..course(true)
                }),
            )],
        )
        .await;
        assert_eq!(
            rejection(&r, 3).as_deref(),
            Some("只能面向本组织及下级组织发布")
        );
        let mut bad = course(true);
        bad.lessons[0].quiz[0].answer = vec![5];
        let r = push(&staff, "staff-dev", vec![(4, Op::SaveCourse(bad))]).await;
        assert_eq!(
            rejection(&r, 4).as_deref(),
            Some("正确答案须是不重复的选项")
        );
    }
}

#[tokio::test]
async fn import_course_reads_a_folder_and_updates_on_reimport() {
    for s in common::servers().await {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("kuaican");
        std::fs::create_dir(&path).expect("mkdir");
        std::fs::write(path.join("course.md"), "# 快餐党课24讲\n\n每课十分钟。\n").expect("write");
        std::fs::write(path.join("01-chuxin.md"), LESSON).expect("write");
        std::fs::write(path.join("02-jilv.md"), "# 第二讲 纪律\n\n严守纪律。\n").expect("write");
        std::fs::write(path.join("notes.txt"), "not a lesson").expect("write");

        let now = zhijian_server::auth::now_secs();
        let first = zhijian_server::import::import_course(&s.db, &path, "shxl", true, now)
            .await
            .expect("imports");
        assert_eq!(first.lessons, 2);
        let member = login(&s.client, "13900000001", "demo1234").await;
        let Some(Doc::Course(c)) = docs(&member, "m-dev").await.remove(&first.course_id) else {
            panic!("the imported course reaches members ({})", s.backend);
        };
        assert_eq!(c.title, "快餐党课24讲");
        assert_eq!(c.summary, "每课十分钟。");
        assert_eq!(
            c.lessons
                .iter()
                .map(|l| l.title.as_str())
                .collect::<Vec<_>>(),
            ["第一讲 初心使命", "第二讲 纪律"]
        );
        assert_eq!(c.lessons[0].quiz.len(), 1);

        // Again, with a lesson changed: the same course, updated.
        std::fs::write(path.join("02-jilv.md"), "# 第二讲 纪律严明\n\n严守纪律。\n")
            .expect("write");
        let again = zhijian_server::import::import_course(&s.db, &path, "shxl", true, now)
            .await
            .expect("imports again");
        assert_eq!(again.course_id, first.course_id);
        let Some(Doc::Course(c)) = docs(&member, "m-dev2").await.remove(&first.course_id) else {
            panic!("still there ({})", s.backend);
        };
        assert_eq!(c.lessons[1].title, "第二讲 纪律严明");

        // A lesson without a title names its file; an unknown org is refused.
        std::fs::write(path.join("03-bad.md"), "没有标题").expect("write");
        let e = zhijian_server::import::import_course(&s.db, &path, "shxl", true, now)
            .await
            .expect_err("no title");
        assert!(e.to_string().contains("03-bad.md"), "{e}");
        assert!(e.to_string().contains("第 1 行"), "{e}");
        // A question with one choice: its file and line; nothing of the
        // folder is saved (the course is as the last import left it).
        std::fs::write(
            path.join("03-bad.md"),
            "# 第三讲\n\n正文\n\n## 自测\n\n1. 只有一个选项的题\n   - [x] 唯一\n",
        )
        .expect("write");
        let e = zhijian_server::import::import_course(&s.db, &path, "shxl", true, now)
            .await
            .expect_err("one choice");
        assert!(e.to_string().contains("03-bad.md"), "{e}");
        assert!(e.to_string().contains("2 到 6 个选项"), "{e}");
        std::fs::write(
            path.join("03-bad.md"),
            "# 第三讲\n\n## 自测\n\n1. 没有选项\n",
        )
        .expect("write");
        let e = zhijian_server::import::import_course(&s.db, &path, "shxl", true, now)
            .await
            .expect_err("no choices");
        assert!(e.to_string().contains("03-bad.md: 第 5 行"), "{e}");
        let Some(Doc::Course(c)) = docs(&member, "m-dev3").await.remove(&first.course_id) else {
            panic!("still there ({})", s.backend);
        };
        assert_eq!(c.lessons.len(), 2, "nothing half-imported");
        std::fs::remove_file(path.join("03-bad.md")).expect("rm");
        let e = zhijian_server::import::import_course(&s.db, &path, "nowhere", true, now)
            .await
            .expect_err("no such org");
        assert!(e.to_string().starts_with("refused"), "{e}");
    }
}

#[tokio::test]
async fn a_reflection_reaches_the_secretary_and_no_other_member() {
    for s in common::servers().await {
        let staff = account(
            &s,
            "shxl-staff",
            None,
            &[(RoleKind::Committee, Some("shxl"))],
        )
        .await;
        let r = push(&staff, "staff-dev", vec![(1, Op::SaveCourse(course(true)))]).await;
        assert_eq!(rejection(&r, 1), None, "{}", s.backend);

        let member = login(&s.client, "13900000001", "demo1234").await;
        let write = |text: &str, lesson: &str| {
            Op::WriteReflection(NewReflection {
                course_id: "course-kuaican".into(),
                lesson_id: lesson.into(),
                text: text.into(),
                at: zhijian_server::auth::now_secs(),
            })
        };
        let r = push(
            &member,
            "m-dev",
            vec![
                (1, write("为人民服务要落到小事上。", "l1")),
                (2, write("心得", "l9")),
            ],
        )
        .await;
        assert_eq!(rejection(&r, 1), None, "{}", s.backend);
        assert_eq!(
            rejection(&r, 2).as_deref(),
            Some("找不到该课文"),
            "{}",
            s.backend
        );
        let id = Reflection::id_for("m-01", "course-kuaican", "l1");

        let secretary = login(&s.client, "13900000002", "demo1234").await;
        let Some(Doc::Reflection(seen)) = docs(&secretary, "sec-dev").await.remove(&id) else {
            panic!("the secretary of yuehai reads it ({})", s.backend);
        };
        assert_eq!(seen.text, "为人民服务要落到小事上。");
        assert!(
            docs(&member, "m-dev").await.contains_key(&id),
            "the writer keeps hers"
        );
        assert!(
            docs(&staff, "staff-dev").await.contains_key(&id),
            "the committee above"
        );

        let fellow = login(&s.client, "13900000003", "demo1234").await;
        assert!(
            !docs(&fellow, "f-dev").await.contains_key(&id),
            "a fellow member does not see it ({})",
            s.backend
        );
        let other = account(
            &s,
            "wanda-secretary",
            None,
            &[(RoleKind::Secretary, Some("wanda"))],
        )
        .await;
        assert!(
            !docs(&other, "o-dev").await.contains_key(&id),
            "{}",
            s.backend
        );

        // A draft takes no reflections: the course must be published.
        let r = push(
            &staff,
            "staff-dev",
            vec![(2, Op::SaveCourse(course(false)))],
        )
        .await;
        assert_eq!(rejection(&r, 2), None);
        let r = push(&member, "m-dev", vec![(3, write("再写", "l1"))]).await;
        assert_eq!(
            rejection(&r, 3).as_deref(),
            Some("找不到该课程"),
            "{}",
            s.backend
        );
    }
}
