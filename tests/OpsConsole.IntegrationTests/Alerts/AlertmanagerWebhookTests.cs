using System.Net;
using System.Net.Http.Headers;
using System.Text;
using OpsConsole.Core.Access;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Alerts;

/// <summary>POST /api/v1/alerts/alertmanager over real HTTP: tokens, deduplication, resolution, and every refusal.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertmanagerWebhookTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    public const string Token = "webhook-token-for-integration-tests";
    private const string Path = "/api/v1/alerts/alertmanager";

    private string Db => Postgres.SharedConnectionString;

    protected override Task<TestConsole> StartConsoleAsync() =>
        TestConsole.StartAsync(Postgres.SharedConnectionString, new Dictionary<string, string?> { ["Alerts:Alertmanager:BearerTokens:prod"] = Token });

    public static string Payload(string status, string alertName = "ShopDown", string startsAt = "2026-11-23T07:00:00Z", string endsAt = "0001-01-01T00:00:00Z") => $$"""
        {"version":"4","groupKey":"{}:{alertname=\"{{alertName}}\"}","truncatedAlerts":0,"status":"{{status}}","receiver":"console",
         "groupLabels":{"alertname":"{{alertName}}"},"commonLabels":{"alertname":"{{alertName}}","job":"shop"},"commonAnnotations":{},
         "externalURL":"http://alertmanager.example:9093",
         "alerts":[{"status":"{{status}}","labels":{"alertname":"{{alertName}}","job":"shop","severity":"critical"},
                    "annotations":{"summary":"the shop is down"},"startsAt":"{{startsAt}}","endsAt":"{{endsAt}}",
                    "generatorURL":"http://prometheus.example:9090/graph","fingerprint":"0000000000000000"}]}
        """;

    [Fact]
    public async Task A_configured_token_delivers_alerts_that_are_deduplicated_and_resolved_when_Alertmanager_says_so()
    {
        using var client = Client(Token);
        using (var first = await PostAsync(client, Payload("firing")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(1, (await first.JsonAsync()).GetProperty("changed").GetInt32());
        }

        using (var repeat = await PostAsync(client, Payload("firing")))
        {
            Assert.Equal(0, (await repeat.JsonAsync()).GetProperty("changed").GetInt32());
        }

        var sre = await Console.CreateTokenForNewUserAsync("webhook-sre", ConsoleRoles.Sre);
        using var reader = Console.Api(sre);
        var firing = (await (await reader.GetAsync(new Uri("/api/v1/alerts?state=firing&filter=alertname=\"ShopDown\"", UriKind.Relative))).JsonAsync())
            .GetProperty("items");
        var alert = Assert.Single(firing.EnumerateArray());
        Assert.Equal("alertmanager", alert.GetProperty("source").GetString());
        Assert.Equal("http://alertmanager.example:9093", alert.GetProperty("externalUrl").GetString());
        Assert.Equal(Core.Alerts.LabelSet.Of(("alertname", "ShopDown"), ("job", "shop"), ("severity", "critical")).Fingerprint, alert.GetProperty("fingerprint").GetString());
        Assert.Equal("the shop is down", alert.GetProperty("annotations").GetProperty("summary").GetString());

        using (var resolved = await PostAsync(client, Payload("resolved", endsAt: "2026-11-23T07:30:00Z")))
        {
            Assert.Equal(1, (await resolved.JsonAsync()).GetProperty("changed").GetInt32());
        }

        var id = await AlertTesting.AlertIdAsync(Db, "ShopDown");
        var detail = await Console.DetailAsync(id);
        Assert.Equal(Core.Alerts.AlertState.Resolved, detail.Alert.State);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 7, 30, 0, TimeSpan.Zero), detail.Alert.ResolvedAt);
        Assert.Equal(2, detail.Timeline.Count);
        Assert.All(detail.Timeline, t => Assert.Equal("alertmanager:prod", t.Actor));
        var audited = await AuditLog.WaitForCountAsync(Db, $"action = 'alerts.state_changed' AND target_id = '{id}'", 2);
        Assert.All(audited, r => Assert.Equal(("system", "alertmanager:prod"), (r.ActorType, r.ActorName)));
    }

    [Fact]
    public async Task A_missing_or_wrong_token_is_401_and_audited_as_a_denial()
    {
        using var anonymous = Console.CreateClient();
        using var wrong = Client("not-the-configured-token-at-all");
        using var unknownApiToken = Client("opc_notarealtoken");

        foreach (var client in new[] { anonymous, wrong, unknownApiToken })
        {
            using var response = await PostAsync(client, Payload("firing"));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        var denials = await AuditLog.WaitForCountAsync(Db, $"action = 'access.unauthenticated' AND target_id = 'POST {Path}'", 3);
        Assert.All(denials, r => Assert.Equal("denied", r.Outcome));
        Assert.Equal(0, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alerts"));
    }

    [Fact]
    public async Task Console_api_tokens_work_for_roles_that_act_on_alerts_and_are_forbidden_otherwise()
    {
        using var sre = Client(await Console.CreateTokenForNewUserAsync("hook-sre", ConsoleRoles.Sre));
        using var viewer = Client(await Console.CreateTokenForNewUserAsync("hook-viewer", ConsoleRoles.Viewer));

        using (var allowed = await PostAsync(sre, Payload("firing")))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using (var forbidden = await PostAsync(viewer, Payload("firing", "Other")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        Assert.Equal(1, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alerts"));
        var recorded = await AuditLog.WaitForAsync(Db, "action = 'alerts.state_changed'");
        Assert.Equal(("token", "hook-sre"), (recorded.ActorType, recorded.ActorName));
    }

    [Theory]
    [InlineData("this is not json", HttpStatusCode.BadRequest, "body")]
    [InlineData("{\"version\":\"3\",\"status\":\"firing\",\"alerts\":[]}", HttpStatusCode.UnprocessableEntity, "version")]
    [InlineData("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"job\":\"x\"},\"startsAt\":\"2026-01-01T00:00:00Z\"}]}", HttpStatusCode.UnprocessableEntity, "alerts[0].labels.alertname")]
    [InlineData("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"startsAt\":\"2026-01-01T00:00:00Z\"}]}", HttpStatusCode.UnprocessableEntity, "alerts[0].labels")]
    public async Task A_bad_body_is_refused_naming_the_field_and_recorded(string body, HttpStatusCode status, string field)
    {
        using var client = Client(Token);

        using var response = await PostAsync(client, body);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(field, (await response.JsonAsync()).GetProperty("field").GetString());
        var rejected = await AuditLog.WaitForAsync(Db, "action = 'alerts.webhook_rejected'");
        Assert.Equal(("failed", "alertmanager:prod"), (rejected.Outcome, rejected.ActorName));
        Assert.Equal(0, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alerts"));
    }

    private HttpClient Client(string token)
    {
        var client = Console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string body) =>
        client.PostAsync(new Uri(Path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
}
