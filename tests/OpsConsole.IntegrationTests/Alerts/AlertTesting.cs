using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Alerts;

/// <summary>Alerts as producers report them, and condition waits (with a timeout, never a fixed sleep).</summary>
internal static class AlertTesting
{
    /// <summary>Ten minutes ago, to the millisecond (as Alertmanager writes times); the store keeps microseconds.</summary>
    public static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds());

    public static AlertInstance Rule(string name, AlertState state, DateTimeOffset activeAt, params (string, string)[] labels) =>
        new(AlertSource.Rule, LabelSet.Of([("alertname", name), .. labels]), new Dictionary<string, string> { ["summary"] = $"{name} summary" },
            state, activeAt, state == AlertState.Pending ? null : activeAt.AddMinutes(1), state == AlertState.Resolved ? activeAt.AddMinutes(5) : null,
            0.07, "http://console/rules", "shop.yml / shop / 0");

    public static AlertInstance Ingested(string name, AlertState state, DateTimeOffset startsAt, params (string, string)[] labels) =>
        new(AlertSource.Alertmanager, LabelSet.Of([("alertname", name), .. labels]), new Dictionary<string, string> { ["summary"] = $"{name} from Alertmanager" },
            state, startsAt, startsAt, state == AlertState.Resolved ? DateTimeOffset.UtcNow : null, null, null, "http://alertmanager:9093 (receiver console)");

    /// <summary>Records ingested alerts as a configured Alertmanager would (through the recorder, audited as that sender).</summary>
    public static Task<AlertRecordResult> IngestAsync(this TestConsole console, params AlertInstance[] alerts) =>
        console.Services.GetRequiredService<AlertRecorder>().RecordAsync(
            AlertmanagerSenders.PrincipalFor("tests"), AlertmanagerIngestService.RuleKey, alerts, "http://alertmanager:9093", CancellationToken.None);

    /// <summary>
    /// Reports as a rule engine does, one rule per alert name: a report carries everything that rule holds, so an
    /// alert of the same name left out of a later report has gone.
    /// </summary>
    public static Task ReportAsync(this TestConsole console, params AlertInstance[] alerts) =>
        console.Services.GetRequiredService<IAlertSink>().ReportAsync(RuleKeyOf(alerts.Length == 0 ? "" : alerts[0].Name), alerts, CancellationToken.None);

    public static Task ReportAsync(this TestConsole console, string alertName, params AlertInstance[] alerts) =>
        console.Services.GetRequiredService<IAlertSink>().ReportAsync(RuleKeyOf(alertName), alerts, CancellationToken.None);

    public static string RuleKeyOf(string alertName) => $"shop.yml / shop / {alertName}";

    /// <summary>The current (or newest) alert's id for a name, straight from the database.</summary>
    public static async Task<long> AlertIdAsync(string connectionString, string name)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM console.alerts WHERE name = @name ORDER BY id DESC LIMIT 1", connection);
        command.Parameters.AddWithValue("name", name);
        return (long)(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"no alert named {name}"));
    }

    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<AlertDetail> DetailAsync(this TestConsole console, long id)
    {
        await using var scope = console.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AlertService>().GetAsync(TestPrincipals.Of("reader", ConsoleRoles.Viewer), id)
            ?? throw new InvalidOperationException($"no alert {id}");
    }

    public static HttpClient Api(this TestConsole console, string token)
    {
        var client = console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) =>
        client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);

    /// <summary>Polls a condition until it holds or the timeout passes (then fails with <paramref name="what"/>).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (!deadline.IsCancellationRequested)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50, CancellationToken.None);
        }

        Assert.Fail($"Waited in vain for: {what}");
    }
}
