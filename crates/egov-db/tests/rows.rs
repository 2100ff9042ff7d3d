//! The resource kit's row helpers on both databases: `FromRow` structs with
//! typed ids, `Db::page`, `Db::begin_write`.

use egov_core::id::Id;
use egov_core::paging::PageRequest;
use egov_db::Db;

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Notice {
    #[sqlx(try_from = "String")]
    id: Id<Notice>,
    title: String,
    version: i64,
    pinned: Option<i64>,
}

async fn notices(db: &Db, n: usize) -> Vec<Id<Notice>> {
    sqlx::query(
        "CREATE TABLE notices (id TEXT PRIMARY KEY, title TEXT NOT NULL, version BIGINT NOT NULL, pinned BIGINT)",
    )
    .execute(db.pool())
    .await
    .unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let id = Id::<Notice>::new();
        let mut tx = db.begin_write().await.unwrap();
        sqlx::query("INSERT INTO notices (id, title, version, pinned) VALUES ($1, $2, 1, NULL)")
            .bind(id.to_string())
            .bind(format!("공지 {i}"))
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        ids.push(id);
    }
    ids
}

const SELECT: &str = "SELECT id, title, version, pinned FROM notices";

egov_db::backend_tests! {
    async fn rows_map_to_structs_and_lists_page(db) {
        let ids = notices(&db, 5).await;
        let one: Notice = db.find(SELECT, &ids[0].to_string()).await.unwrap();
        assert_eq!(one, Notice { id: ids[0], title: "공지 0".into(), version: 1, pinned: None });
        let missing = db.find::<Notice>(SELECT, "no-such-id").await.unwrap_err();
        assert!(matches!(missing, egov_db::DbError::NotFound), "{missing:?}");

        let page = db.page::<Notice>(SELECT, "ORDER BY id DESC", PageRequest::new(2, 2).unwrap()).await.unwrap();
        assert_eq!((page.total_items, page.total_pages, page.page), (5, 3, 2));
        // UUIDv7 ids sort by creation: page 2 of newest-first holds the 3rd and 2nd.
        assert_eq!(page.items.iter().map(|n| n.id).collect::<Vec<_>>(), [ids[2], ids[1]]);
        let past_the_end = db.page::<Notice>(SELECT, "ORDER BY id", PageRequest::new(4, 2).unwrap()).await.unwrap();
        assert!(past_the_end.items.is_empty());
        assert_eq!(past_the_end.total_items, 5);

        // A stored id that is not an id is a decode error, not a panic.
        sqlx::query("INSERT INTO notices (id, title, version) VALUES ('not-an-id', 't', 1)")
            .execute(db.pool()).await.unwrap();
        assert!(db.page::<Notice>(SELECT, "ORDER BY id", PageRequest::default()).await.is_err());
    }
}
