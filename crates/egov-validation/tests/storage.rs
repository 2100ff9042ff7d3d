//! A resident number stored the way the law asks — encrypted, found by a blind
//! index — round-trips on SQLite and PostgreSQL.

use egov_db::{Migration, MigrationSet};
use egov_privacy::{BlindIndex, CipherError, FieldCipher, PrivacySettings};
use egov_validation::korean::ResidentNumber;
use sqlx::Row;

static CITIZENS: MigrationSet = MigrationSet::new(
    "test-citizens",
    5,
    &[Migration::portable(
        1,
        "citizens with an encrypted resident number",
        "CREATE TABLE citizens (
            id TEXT PRIMARY KEY,
            rrn_encrypted TEXT NOT NULL,
            rrn_index TEXT NOT NULL UNIQUE
        )",
    )],
);

const AAD: &[u8] = b"citizens.rrn_encrypted";

fn crypto() -> (FieldCipher, BlindIndex) {
    let settings = PrivacySettings::default();
    (
        FieldCipher::from_settings(&settings).unwrap(),
        BlindIndex::from_settings(&settings).unwrap(),
    )
}

egov_db::backend_tests! {
    async fn an_encrypted_resident_number_round_trips_and_is_found_by_its_index(db) {
        db.migrate(&[&CITIZENS]).await.unwrap();
        let (cipher, index) = crypto();
        let rrn: ResidentNumber = "900101-1234568".parse().unwrap();

        sqlx::query("INSERT INTO citizens (id, rrn_encrypted, rrn_index) VALUES ($1, $2, $3)")
            .bind("c1")
            .bind(cipher.encrypt_with_aad(rrn.expose(), AAD).unwrap())
            .bind(index.compute(rrn.expose()))
            .execute(db.pool())
            .await
            .unwrap();

        // The table holds no readable number.
        let stored: String = sqlx::query("SELECT rrn_encrypted FROM citizens")
            .fetch_one(db.pool()).await.unwrap().get(0);
        assert!(!stored.contains("9001011234568") && !stored.contains("900101-1234568"));

        // Found by the number typed in another form (hyphen-less), via the index.
        let typed: ResidentNumber = "9001011234568".parse().unwrap();
        let row = sqlx::query("SELECT id, rrn_encrypted FROM citizens WHERE rrn_index = $1")
            .bind(index.compute(typed.expose()))
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(row.get::<String, _>("id"), "c1");
        let decrypted = cipher.decrypt_with_aad(&row.get::<String, _>("rrn_encrypted"), AAD).unwrap();
        let back: ResidentNumber = decrypted.parse().unwrap();
        assert_eq!(back.expose(), rrn.expose());
        assert_eq!(back.to_string(), "900101-1******");

        // A second citizen with the same number is refused by the unique index.
        let duplicate = sqlx::query("INSERT INTO citizens (id, rrn_encrypted, rrn_index) VALUES ($1, $2, $3)")
            .bind("c2")
            .bind(cipher.encrypt_with_aad(typed.expose(), AAD).unwrap())
            .bind(index.compute(typed.expose()))
            .execute(db.pool())
            .await
            .expect_err("duplicate refused");
        assert!(matches!(egov_db::DbError::from(duplicate), egov_db::DbError::UniqueViolation { .. }));
    }

    async fn a_tampered_stored_value_is_an_error_not_garbage(db) {
        db.migrate(&[&CITIZENS]).await.unwrap();
        let (cipher, index) = crypto();
        let rrn: ResidentNumber = "971013-9019902".parse().unwrap();
        let ciphertext = cipher.encrypt_with_aad(rrn.expose(), AAD).unwrap();
        // Someone edits the stored text: one character of the payload changes.
        let mut tampered: Vec<char> = ciphertext.chars().collect();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == 'A' { 'B' } else { 'A' };
        let tampered: String = tampered.into_iter().collect();
        sqlx::query("INSERT INTO citizens (id, rrn_encrypted, rrn_index) VALUES ($1, $2, $3)")
            .bind("c1")
            .bind(&tampered)
            .bind(index.compute(rrn.expose()))
            .execute(db.pool())
            .await
            .unwrap();
        let stored: String = sqlx::query("SELECT rrn_encrypted FROM citizens WHERE id = 'c1'")
            .fetch_one(db.pool()).await.unwrap().get(0);
        assert_eq!(stored, tampered);
        assert!(matches!(cipher.decrypt_with_aad(&stored, AAD), Err(CipherError::Authentication)));
        // Moved to another column (other associated data): refused too.
        assert!(cipher.decrypt_with_aad(&ciphertext, b"citizens.other").is_err());
    }
}
