//! Every change egov-auth makes commits with its audit event or not at all: when
//! the audit write fails, the change is rolled back (on both databases).

mod common;

use std::collections::BTreeSet;

use common::{PASSWORD, account, admin, env};
use egov_auth::{NewAccount, Role};
use egov_core::actor::Actor;
use egov_db::Db;

/// Makes every audit append fail until [`restore_audit`]: the chain's head
/// table, which each append locks first, is renamed away.
async fn break_audit(db: &Db) {
    sqlx::query("ALTER TABLE egov_audit_heads RENAME TO egov_audit_heads_away")
        .execute(db.pool())
        .await
        .unwrap();
}

async fn restore_audit(db: &Db) {
    sqlx::query("ALTER TABLE egov_audit_heads_away RENAME TO egov_audit_heads")
        .execute(db.pool())
        .await
        .unwrap();
}

async fn count(db: &Db, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(db.pool())
        .await
        .unwrap();
    n
}

fn role(name: &str) -> Role {
    Role {
        name: name.into(),
        description: "민원 담당".into(),
        includes: BTreeSet::new(),
        permissions: BTreeSet::from(["petitions:read".to_owned()]),
    }
}

egov_db::backend_tests! {
    async fn a_change_whose_audit_event_fails_is_rolled_back(db) {
        let env = env(db).await;
        let kim = account(&env, "kim.minsu").await;
        let accounts_before = count(&env.db, "SELECT COUNT(*) FROM egov_auth_accounts").await;

        break_audit(&env.db).await;
        assert!(env.auth.put_role(&admin(), role("ROLE_CLERK")).await.is_err());
        let new = NewAccount {
            login_id: "lee.jiwoo".into(),
            display_name: "이지우".into(),
            email: None,
            password: PASSWORD.into(),
            roles: BTreeSet::new(),
        };
        assert!(env.auth.create_account(&admin(), new).await.is_err());
        assert!(env.auth.login(&Actor::anonymous(), "kim.minsu", PASSWORD, None).await.is_err());
        restore_audit(&env.db).await;

        // Nothing of the three changes stayed: no role, no account, no session.
        assert!(env.auth.roles().await.unwrap().iter().all(|r| r.name != "ROLE_CLERK"));
        assert_eq!(count(&env.db, "SELECT COUNT(*) FROM egov_auth_accounts").await, accounts_before);
        assert_eq!(count(&env.db, "SELECT COUNT(*) FROM egov_auth_families").await, 0);

        // With the trail back, the same changes commit, each with its event.
        env.auth.put_role(&admin(), role("ROLE_CLERK")).await.unwrap();
        assert!(env.auth.roles().await.unwrap().iter().any(|r| r.name == "ROLE_CLERK"));
        let session = env.auth.login(&Actor::anonymous(), "kim.minsu", PASSWORD, None).await.unwrap();
        let login_events = count(
            &env.db,
            &format!(
                "SELECT COUNT(*) FROM egov_audit_events WHERE action = 'login' AND target_id = '{}'",
                kim.id
            ),
        )
        .await;
        assert_eq!(login_events, 1);
        assert!(!session.session_id.is_empty());
        env.audit.shutdown().await;
    }
}
