//! Documents, exports and the OpenAPI document: every document of every register renders, and files have their limits.

use super::*;

/// CI fails when the committed OpenAPI document differs from the code's;
/// `SHINSA_UPDATE_OPENAPI=1 cargo test -p shinsa-server` rewrites it.
#[test]
fn the_committed_openapi_document_is_the_served_one() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let generated = shinsa_server::api::openapi_json();
    if std::env::var_os("SHINSA_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} differs from the code's document; run SHINSA_UPDATE_OPENAPI=1 cargo test -p shinsa-server and commit it",
        path.display()
    );
    let document: Value = serde_json::from_str(&generated).unwrap();
    assert!(document["paths"]["/api/v1/findings"]["get"].is_object());
    assert!(document["components"]["schemas"]["FindingView"].is_object());
}

/// The text of a PDF as `pdftotext` (poppler-utils) reads it, without
/// whitespace, so a name that a table cell broke over two lines still
/// reads whole.
pub(super) fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, pdf).unwrap();
    // -raw: in the order typst wrote the text, cell by cell, rather than
    // line by line across a table's columns.
    let output = std::process::Command::new("pdftotext")
        .arg("-raw")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|error| {
            panic!("pdftotext (Debian's poppler-utils; ./test.sh installs it) is needed: {error}")
        });
    assert!(output.status.success(), "pdftotext failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

pub(super) fn compact(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether the text of a PDF holds `name`. Right-to-left words come out of
/// pdftotext in the order they stand on the page, so an Arabic name is
/// looked for word by word.
fn in_pdf(text: &str, name: &str) -> bool {
    if name.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)) {
        name.split_whitespace().all(|word| text.contains(word))
    } else {
        text.contains(&compact(name))
    }
}

fn html_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A register folder as the zip an operator uploads.
fn zipped_folder(folder: &std::path::Path) -> Vec<u8> {
    let mut zipped = std::io::Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut zipped);
        let mut files: Vec<_> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_file())
            .collect();
        files.sort();
        for path in files {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            writer
                .start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut writer, &std::fs::read(&path).unwrap()).unwrap();
        }
        writer.finish().unwrap();
    }
    zipped.into_inner()
}

/// Names an operator with foreign suppliers holds, in every script a
/// register may carry: each a critical asset made in CN by a supplier named
/// in the same script, so each is a finding of the report and an item of
/// the plan drawn from it. The camera's name has a character no embedded
/// font has (an emoji).
fn all_scripts_register() -> (Value, Vec<&'static str>) {
    let names = [
        ("ZH-HANS", "华为技术有限公司 路由器", "华为技术有限公司"),
        (
            "ZH-HANT",
            "臺灣積體電路製造 控制器",
            "臺灣積體電路製造股份有限公司",
        ),
        ("KO", "삼성전자 통신장비", "삼성전자 주식회사"),
        // No lam-alef (لا): pdftotext reads that ligature back as ال.
        ("AR", "جهاز توجيه", "شركة زين السعودية"),
        (
            "RU",
            "Маршрутизатор Касперского",
            "ООО «Лаборатория Касперского»",
        ),
        (
            "EL",
            "Ελληνικός δρομολογητής",
            "Οργανισμός Τηλεπικοινωνιών Ελλάδος",
        ),
        ("LATIN", "Prüfgerät Łódź", "Müller Søn Ærø Technik"),
        ("JIS2004", "髙﨑変電所 𠀋 装置", "髙﨑製作所"),
        ("SYMBOLS", "計測器 ≥ 50 % → ✓ №3 ℃", "Measurement ± Co."),
        ("EMOJI", "監視カメラ 📷", "カメラ株式会社"),
    ];
    let parties: Vec<Value> = names
        .iter()
        .map(
            |(id, _, supplier)| json!({"id": format!("P-{id}"), "name": supplier, "country": "CN"}),
        )
        .collect();
    let assets: Vec<Value> = names
        .iter()
        .map(|(id, asset, _)| {
            json!({"id": format!("A-{id}"), "name": asset, "kind": "equipment", "category": "router",
                   "critical": true, "manufacturer": format!("P-{id}"), "supplier": format!("P-{id}"),
                   "country_of_manufacture": "CN"})
        })
        .collect();
    let register = json!({
        "operator": {"id": "OP-A", "name": "多言語電力株式会社", "sector": "electricity", "country": "JP"},
        "parties": parties,
        "assets": assets,
    });
    let mut expected: Vec<&'static str> = Vec::new();
    for (_, asset, supplier) in names {
        expected.push(asset);
        expected.push(supplier);
    }
    (register, expected)
}

/// Every document of every bundled example and fixture register, and of a
/// plan drawn from each, through the HTTP API in both languages: the
/// screening report (PDF/A and HTML), the filing (PDF/A and HTML), the
/// findings and the plan inbox as CSV and XLSX. The PDFs' text is read back
/// and must hold the names.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_document_of_every_register_renders() {
    let server = Server::start(None).await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let operator = people.token("a-admin");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // Each register filed by an operator of its sector.
    let folders = [
        ("examples/minato-electric", "a-admin"),
        ("crates/shinsa/tests/fixtures/kitakaze-telecom", "c-admin"),
        ("crates/shinsa/tests/fixtures/net-day", "w-admin"),
        ("packs/jp-espa/tests/core", "a-admin"),
        ("packs/us/tests/grid", "e-admin"),
        ("packs/generic/tests/plant", "w-admin"),
    ];
    let mut registers: Vec<(String, String, &str)> = Vec::new();
    for (folder, who) in folders {
        let name = folder.rsplit('/').next().unwrap();
        let (status, body) = client
            .upload_file(
                people.token(who),
                name,
                "application/zip",
                zipped_folder(&root.join(folder)),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{folder}: {body}");
        registers.push((
            name.to_owned(),
            body["register"]["id"].as_str().unwrap().to_owned(),
            people.token(who),
        ));
    }
    let (scripts, script_names) = all_scripts_register();
    let (status, body) = client.upload(operator, "all-scripts", &scripts).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    registers.push((
        "all-scripts".into(),
        body["register"]["id"].as_str().unwrap().to_owned(),
        operator,
    ));
    for (_, _, who) in &registers {
        for run in client.settle(who).await {
            assert_eq!(run["status"], "done", "{run}");
        }
    }

    let get = |who: &str, path: String| {
        let client = &client;
        let who = who.to_owned();
        async move {
            let response = client
                .http
                .get(format!("{}{path}", client.base))
                .bearer_auth(who)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let warnings: Vec<String> = response
                .headers()
                .get_all("shinsa-warning")
                .iter()
                .map(|value| value.to_str().unwrap().to_owned())
                .collect();
            let bytes = response.bytes().await.unwrap().to_vec();
            assert_eq!(
                status,
                StatusCode::OK,
                "{path}: {}",
                String::from_utf8_lossy(&bytes)
            );
            (bytes, warnings)
        }
    };
    for (name, id, operator) in &registers {
        let operator: &str = operator;
        let (_, page) = client
            .get(
                operator,
                &format!("/api/v1/findings?register={id}&per_page=500"),
            )
            .await;
        let subjects: std::collections::BTreeSet<String> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["subject_name"].as_str().unwrap().to_owned())
            .filter(|subject| !subject.is_empty())
            .collect();
        // net-day's findings come from its network logs, not its register.
        assert_eq!(subjects.is_empty(), name == "net-day", "{name}: findings");
        let operator_name = server
            .store
            .register(&Tenant::System, id)
            .await
            .unwrap()
            .unwrap()
            .org_name;
        for lang in ["ja", "en"] {
            let (pdf, warnings) = get(
                operator,
                format!("/api/v1/registers/{id}/report/report.pdf?lang={lang}"),
            )
            .await;
            assert!(pdf.starts_with(b"%PDF-1."), "{name} {lang}");
            let text = pdf_text(&pdf);
            assert!(
                in_pdf(&text, &operator_name),
                "{name} {lang}: {operator_name}"
            );
            for subject in &subjects {
                if !subject.contains('📷') {
                    assert!(
                        in_pdf(&text, subject),
                        "{name} {lang}: {subject} not in\n{text}"
                    );
                }
            }
            if name == "all-scripts" {
                assert_eq!(warnings.len(), 1, "{lang}: {warnings:?}");
                assert!(
                    warnings[0].starts_with("U+1F4F7 is in no embedded font, drawn as [U+1F4F7] ("),
                    "{lang}: the camera's name: {warnings:?}"
                );
                assert!(text.contains("監視カメラ[U+1F4F7]"), "{text}");
            } else {
                assert_eq!(warnings, Vec::<String>::new(), "{name} {lang}");
            }
            let (html, _) = get(
                operator,
                format!("/api/v1/registers/{id}/report/report.html?lang={lang}"),
            )
            .await;
            let html = String::from_utf8(html).unwrap();
            for subject in &subjects {
                assert!(
                    html.contains(&html_escaped(subject)),
                    "{name} {lang} html: {subject}"
                );
            }
        }
        let (csv, _) = get(
            operator,
            format!("/api/v1/registers/{id}/findings/export/findings.csv"),
        )
        .await;
        let csv = String::from_utf8(csv).unwrap();
        for subject in &subjects {
            assert!(csv.contains(subject.as_str()), "{name} csv: {subject}");
        }
        let (xlsx, _) = get(
            operator,
            format!("/api/v1/registers/{id}/findings/export/findings.xlsx"),
        )
        .await;
        assert!(xlsx.starts_with(b"PK"), "{name}: xlsx is a zip");

        // A plan drawn from the register, as the ministry would receive it.
        let (status, plan) = client
            .call(
                reqwest::Method::POST,
                Some(operator),
                "/api/v1/plans",
                Some(json!({"title": format!("{name} の導入等計画"), "register_id": id})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        let plan_id = plan["id"].as_str().unwrap();
        let mut plan_names: Vec<String> = vec![format!("{name} の導入等計画")];
        for item in plan["body"]["items"].as_array().unwrap() {
            plan_names.extend(item["facility"].as_str().map(str::to_owned));
            plan_names.extend(item["supplier"]["name"].as_str().map(str::to_owned));
            plan_names.extend(item["contractor"]["name"].as_str().map(str::to_owned));
        }
        let (pdf, _) = get(operator, format!("/api/v1/plans/{plan_id}/filing.pdf")).await;
        let text = pdf_text(&pdf);
        let (html, _) = get(operator, format!("/api/v1/plans/{plan_id}/filing.html")).await;
        let html = String::from_utf8(html).unwrap();
        for wanted in &plan_names {
            if !wanted.contains('📷') {
                assert!(
                    in_pdf(&text, wanted),
                    "{name} filing: {wanted} not in\n{text}"
                );
            }
            assert!(
                html.contains(&html_escaped(wanted)),
                "{name} filing html: {wanted}"
            );
        }
        if name == "all-scripts" {
            for wanted in &script_names {
                assert!(
                    plan_names.iter().any(|drawn| drawn == wanted),
                    "{wanted} is in the plan"
                );
            }
        }
    }
    let (csv, _) = get(operator, "/api/v1/plans/export/plans.csv".into()).await;
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with('\u{feff}'), "a byte-order mark for Excel");
    let own = registers
        .iter()
        .filter(|(_, _, who)| *who == operator)
        .count();
    assert_eq!(csv.lines().count(), 1 + own, "{csv}");
    let (xlsx, _) = get(operator, "/api/v1/plans/export/plans.xlsx".into()).await;
    assert!(xlsx.starts_with(b"PK"));
    server.shut().await;
}

/// A document over `document_limit_mb` is refused (413) once that much is
/// read, not after the whole body; one under it is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_document_over_the_limit_is_refused() {
    let server = Server::start_with(None, |config| config.document_limit_mb = 1).await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let (status, opened) = client
        .call(
            reqwest::Method::POST,
            Some(people.token("meti-reviewer")),
            "/api/v1/cases",
            Some(json!({"org_id": "op-a", "kind": "report_demand", "title": "報告徴収"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    // Each post on a client of its own: a connection the server closed
    // after refusing a body is not used again.
    let post = |bytes: Vec<u8>| {
        let request = Client::of(&server)
            .http
            .post(format!(
                "{}/api/v1/cases/{}/documents?revision={}&title=report&name=report.pdf",
                client.base,
                opened["id"].as_str().unwrap(),
                opened["revision"]
            ))
            .bearer_auth(people.token("a-admin"))
            .body(bytes);
        async move {
            match request.send().await {
                Ok(response) => Ok((response.status(), response.json::<Value>().await.unwrap())),
                Err(error) => Err(error),
            }
        }
    };
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(3 * 1024 * 1024, b' ');
    // The server answers once it has read past the limit and reads no
    // more: the client gets the 413, or (when it was still writing the
    // rest) a connection closed under it. Either way nothing is kept.
    match post(big).await {
        Ok((status, refused)) => {
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{refused}");
            assert!(
                refused["detail"].as_str().unwrap().contains("1 MB"),
                "{refused}"
            );
        }
        Err(error) => assert!(error.is_request(), "{error}"),
    }
    let (_, unchanged) = client
        .get(
            people.token("a-admin"),
            &format!("/api/v1/cases/{}", opened["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(unchanged["revision"], opened["revision"], "nothing kept");
    let mut small = b"%PDF-1.7\n".to_vec();
    small.resize(64 * 1024, b' ');
    let (status, kept) = post(small).await.unwrap();
    assert_eq!(status, StatusCode::OK, "{kept}");
    assert_eq!(kept["body"]["documents"][1]["file"]["size"], 64 * 1024);
    server.shut().await;
}
