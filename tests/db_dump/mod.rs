//! Dump every table of a test database (SQLite or PostgreSQL), every column of every row, as
//! raw bytes, for the anonymity and crash tests: they search the whole database rather than
//! the columns they expect, so a column added later cannot leak unnoticed.
#![allow(dead_code)]

use sqlx::{Connection, Row};

/// One table's contents: its name (`schema.table` on PostgreSQL) and each cell's bytes
/// (text as UTF-8, blobs/bytea raw; NULL as empty), row by row.
pub struct TableDump {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Vec<u8>>>,
}

impl TableDump {
    pub fn cells(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.rows.iter().flat_map(move |row| {
            row.iter()
                .zip(&self.columns)
                .map(|(cell, col)| (col.as_str(), cell.as_slice()))
        })
    }
}

pub async fn dump_all(database_url: &str) -> Vec<TableDump> {
    if database_url.starts_with("sqlite:") {
        dump_sqlite(database_url).await
    } else {
        dump_postgres(database_url).await
    }
}

async fn dump_sqlite(url: &str) -> Vec<TableDump> {
    let mut conn = sqlx::SqliteConnection::connect(url)
        .await
        .expect("open SQLite");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut out = Vec::new();
    for table in tables {
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                .bind(&table)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        let select = columns
            .iter()
            .map(|c| format!("CAST(\"{c}\" AS BLOB)"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!("SELECT {select} FROM \"{table}\""))
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (0..columns.len())
                    .map(|i| {
                        r.try_get::<Option<Vec<u8>>, _>(i)
                            .unwrap()
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect();
        out.push(TableDump {
            name: table,
            columns,
            rows,
        });
    }
    out
}

async fn dump_postgres(url: &str) -> Vec<TableDump> {
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .expect("open PostgreSQL");
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_schema::text, table_name::text FROM information_schema.tables \
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema') \
         AND table_type = 'BASE TABLE' ORDER BY 1, 2",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut out = Vec::new();
    for (schema, table) in tables {
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
        )
        .bind(&schema)
        .bind(&table)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        // bytea as its raw bytes, everything else as its text form.
        let select = columns
            .iter()
            .map(|(c, ty)| {
                if ty == "bytea" {
                    format!("\"{c}\"")
                } else {
                    format!("convert_to(\"{c}\"::text, 'UTF8')")
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!("SELECT {select} FROM \"{schema}\".\"{table}\""))
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (0..columns.len())
                    .map(|i| {
                        r.try_get::<Option<Vec<u8>>, _>(i)
                            .unwrap()
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect();
        out.push(TableDump {
            name: format!("{schema}.{table}"),
            columns: columns.into_iter().map(|(c, _)| c).collect(),
            rows,
        });
    }
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// A time of day: `HH:MM` (two digits, colon, two digits).
pub fn has_time_of_day(bytes: &[u8]) -> bool {
    bytes.windows(5).any(|w| {
        w[0].is_ascii_digit()
            && w[1].is_ascii_digit()
            && w[2] == b':'
            && w[3].is_ascii_digit()
            && w[4].is_ascii_digit()
    })
}

/// Session tables (answers in progress, CSRF token) are allowed to hold the session itself.
pub fn is_session_table(name: &str) -> bool {
    name == "tower_sessions" || name.starts_with("tower_sessions.")
}

/// sqlx's record of applied migrations (with their install time); no respondent data.
pub fn is_migrations_table(name: &str) -> bool {
    name.ends_with("_sqlx_migrations")
}
