using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CsvHelper;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Audit;

/// <summary>Exports over the API: the file's bytes match the manifest's SHA-256, the contents match the log, and it is recorded.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditExportTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    [Fact]
    public async Task A_csv_export_holds_the_matching_records_and_its_manifest_hash_matches_the_downloaded_bytes()
    {
        await SeedAsync();
        var expected = (await AuditLog.ReadAsync(Postgres.SharedConnectionString, "action LIKE 'backups.%'")).ToList();
        using var client = await ClientAsync("exporter", ConsoleRoles.Auditor);

        var (manifest, bytes) = await ExportAsync(client, new { format = "csv", action = "backups" });

        Assert.Equal(expected.Count, manifest.GetProperty("count").GetInt64());
        Assert.Equal(expected[0].Sequence, manifest.GetProperty("firstSequence").GetInt64());
        Assert.Equal(expected[^1].Sequence, manifest.GetProperty("lastSequence").GetInt64());
        Assert.Equal("backups", manifest.GetProperty("filter").GetProperty("action").GetString());
        Assert.Equal(bytes.LongLength, manifest.GetProperty("bytes").GetInt64());

        using var reader = new CsvReader(new StreamReader(new MemoryStream(bytes), Encoding.UTF8), CultureInfo.InvariantCulture);
        var rows = new List<Dictionary<string, string>>();
        await reader.ReadAsync();
        reader.ReadHeader();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.HeaderRecord!.ToDictionary(h => h, h => reader.GetField(h)!));
        }

        Assert.Equal(expected.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var (row, record) = (rows[i], expected[i]);
            Assert.Equal(record.Sequence.ToString(CultureInfo.InvariantCulture), row["sequence"]);
            Assert.Equal(record.Action, row["action"]);
            Assert.Equal(record.Reason ?? "", row["reason"]);
            Assert.Equal(Convert.ToHexStringLower(record.Hash), row["hash"]);
            Assert.Equal(Convert.ToHexStringLower(record.PreviousHash), row["previous_hash"]);
            Assert.Equal(AuditCanonical.ParseDetails(record.Details), AuditCanonical.ParseDetails(row["details"]));
        }

        // A reason with a comma, quotes and a line break survives the round trip (CsvHelper quoting).
        Assert.Contains(rows, r => r["reason"] == "disk \"full\", node 3\nretrying");

        var exported = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'audit.exported'");
        var details = AuditCanonical.ParseDetails(exported.Details);
        Assert.Equal(manifest.GetProperty("sha256").GetString(), details["sha256"]);
        Assert.Equal(expected.Count.ToString(CultureInfo.InvariantCulture), details["count"]);
        Assert.Equal(manifest.GetProperty("id").GetString(), exported.TargetId);
        Assert.Equal("exporter", exported.ActorName);
    }

    [Fact]
    public async Task A_json_lines_export_has_one_object_per_record_and_the_manifest_can_be_fetched_again()
    {
        await SeedAsync();
        var expected = (await AuditLog.ReadAsync(Postgres.SharedConnectionString, "action LIKE 'backups.%' AND outcome = 'failed'")).ToList();
        using var client = await ClientAsync("exporter", ConsoleRoles.Auditor);

        var (manifest, bytes) = await ExportAsync(client, new { format = "jsonl", action = "backups", outcome = "failed" });

        var lines = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected.Count, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            using var line = JsonDocument.Parse(lines[i]);
            Assert.Equal(expected[i].Sequence, line.RootElement.GetProperty("sequence").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(expected[i].Hash), line.RootElement.GetProperty("hash").GetString());
            Assert.Equal("failed", line.RootElement.GetProperty("outcome").GetString());
        }

        var id = manifest.GetProperty("id").GetString();
        var again = await client.GetFromJsonAsync<JsonElement>($"/api/v1/audit/exports/{id}/manifest");
        Assert.Equal(manifest.GetProperty("sha256").GetString(), again.GetProperty("sha256").GetString());
        Assert.Equal("jsonl", again.GetProperty("format").GetString());
        await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'audit.export_downloaded'");
    }

    [Fact]
    public async Task An_sre_cannot_fetch_an_export_made_by_a_reader_who_sees_everything_and_unknown_ids_are_404()
    {
        await SeedAsync();
        using var auditor = await ClientAsync("exporter", ConsoleRoles.Auditor);
        using var sre = await ClientAsync("sre-reader", ConsoleRoles.Sre);
        var (manifest, _) = await ExportAsync(auditor, new { format = "csv" });
        var id = manifest.GetProperty("id").GetString();

        foreach (var path in new[] { $"/api/v1/audit/exports/{id}", $"/api/v1/audit/exports/{id}/manifest", "/api/v1/audit/exports/..%2F..%2Fconnection-string", "/api/v1/audit/exports/audit-20260101T000000Z-00000000" })
        {
            using var response = await sre.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        // The Sre's own export holds only operational records, and every reader may fetch it.
        var (own, bytes) = await ExportAsync(sre, new { format = "jsonl" });
        Assert.DoesNotContain("identity.", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        using var byAuditor = await auditor.GetAsync(new Uri($"/api/v1/audit/exports/{own.GetProperty("id").GetString()}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, byAuditor.StatusCode);
    }

    [Fact]
    public async Task A_bad_format_is_422_naming_the_field()
    {
        using var client = await ClientAsync("exporter", ConsoleRoles.Auditor);
        foreach (var (body, field) in new (object, string)[] { (new { format = "xml" }, "format"), (new { format = "csv", from = "soon" }, "from") })
        {
            using var response = await client.PostAsJsonAsync("/api/v1/audit/exports", body);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Equal(field, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        }
    }

    private async Task<(JsonElement Manifest, byte[] Bytes)> ExportAsync(HttpClient client, object request)
    {
        using var created = await client.PostAsJsonAsync("/api/v1/audit/exports", request);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var manifest = await created.Content.ReadFromJsonAsync<JsonElement>();
        using var download = await client.GetAsync(created.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var bytes = await download.Content.ReadAsByteArrayAsync();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Equal(manifest.GetProperty("sha256").GetString(), sha256);
        Assert.Equal($"sha-256=:{Convert.ToBase64String(SHA256.HashData(bytes))}:", download.Headers.GetValues("Repr-Digest").Single());
        Assert.Equal(manifest.GetProperty("mediaType").GetString(), download.Content.Headers.ContentType?.MediaType);
        return (manifest, bytes);
    }

    private async Task<HttpClient> ClientAsync(string userName, string role)
    {
        var token = await Console.CreateTokenForNewUserAsync(userName, role);
        var client = Console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private Task SeedAsync() => AuditSearchTests.SeedAsync(Console,
    [
        .. Enumerable.Range(0, 25).Select(i => AuditSearchTests.Entry("ops", i % 5 == 0 ? "backups.run.failed" : "backups.run.started", "backup", $"db{i % 3}",
            i % 5 == 0 ? AuditOutcome.Failed : AuditOutcome.Succeeded, reason: i == 5 ? "disk \"full\", node 3\nretrying" : null,
            details: new Dictionary<string, string?> { ["database"] = $"db{i % 3}", ["run"] = i.ToString(CultureInfo.InvariantCulture) })),
        AuditSearchTests.Entry("ops", "identity.user.created", "user", "u1"),
    ]);
}
