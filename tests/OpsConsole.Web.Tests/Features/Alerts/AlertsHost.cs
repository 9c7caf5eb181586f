using System.Security.Claims;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Live;
using OpsConsole.Web.Features.Alerts;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Tests.Features.Alerts;

/// <summary>
/// The real console host for the alert components: its own embedded PostgreSQL (started by the host, as in
/// production), the real alert store, recorder, services, audit trail and live bus. One per test run; each test starts
/// from empty alert tables.
/// </summary>
public sealed class AlertsHost : IAsyncLifetime
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("opsconsole-alerts-ui-");
    private ConsoleApp? _app;

    public IServiceProvider Services => _app!.App.Services;

    public AlertStore Store => Services.GetRequiredService<AlertStore>();

    public LiveEventBus Bus => Services.GetRequiredService<LiveEventBus>();

    public AlertCommands Commands => Services.GetRequiredService<AlertCommands>();

    public AlertValueHistory Values => Services.GetRequiredService<AlertValueHistory>();

    public async Task InitializeAsync()
    {
        _app = await ConsoleApp.CreateAsync(
            ["--urls", "http://127.0.0.1:0"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Console"] = "", // embedded PostgreSQL under the data directory
                ["Storage:DataDirectory"] = _dataDirectory.FullName,
                ["Demo:Enabled"] = "false",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:Console:FormatterName"] = "simple",
            }));
        await _app.App.StartAsync();
        await Store.Loaded.WaitAsync(TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.App.StopAsync();
            await _app.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        OpsConsole.Core.Data.NamedDataSources.ClearAll();
        try
        {
            _dataDirectory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Temp directory; harmless if a file is still open.
        }
    }

    /// <summary>Empties the alert tables (the audit log stays: it is append-only) and reloads the store.</summary>
    public async Task ResetAsync()
    {
        await using (var connection = new NpgsqlConnection(_app!.Database.Connections.Owner))
        {
            await connection.OpenAsync();
            await using var truncate = new NpgsqlCommand("TRUNCATE console.alert_timeline, console.alert_notifications, console.silences, console.alerts", connection);
            await truncate.ExecuteNonQueryAsync();
        }

        await Store.RefreshAsync();
    }

    /// <summary>Records alerts as an Alertmanager webhook would (audited as that sender); returns the stored ids by alert name and instance.</summary>
    public async Task<IReadOnlyList<long>> FireAsync(params AlertInstance[] alerts)
    {
        var result = await Services.GetRequiredService<AlertRecorder>().RecordAsync(
            AlertmanagerSenders.PrincipalFor("tests"), AlertmanagerIngestService.RuleKey, alerts, "http://alertmanager.test:9093", CancellationToken.None);
        return result.ChangedIds;
    }

    /// <summary>Waits until the store's view satisfies <paramref name="condition"/> (condition wait, no fixed sleep).</summary>
    public async Task WaitForStoreAsync(Func<AlertSnapshot, bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        var changed = new SemaphoreSlim(0);
        using var subscription = Store.OnAlertsChanged(() =>
        {
            changed.Release();
            return Task.CompletedTask;
        });
        while (!condition(Store.Current))
        {
            try
            {
                // Woken by the store's own signal; the short wait only covers a change that landed before subscribing.
                await changed.WaitAsync(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"The alert store never showed: {what}");
            }
        }
    }

    public int ViewSubscribers => Bus.Statistics.Topics.TryGetValue(AlertTopics.ViewUpdated.Name, out var topic) ? topic.Subscribers : 0;

    public static AlertInstance Firing(string name, string severity, TimeSpan firingFor, params (string Name, string Value)[] labels) =>
        new(AlertSource.Alertmanager, LabelSet.Of([("alertname", name), ("severity", severity), .. labels]),
            new Dictionary<string, string> { ["summary"] = $"{name} summary", ["runbook_url"] = $"https://runbooks.example/{name}" },
            AlertState.Firing, DateTimeOffset.UtcNow - firingFor, DateTimeOffset.UtcNow - firingFor, null, null, null, "http://alertmanager.test:9093 (receiver console)");

    public static ClaimsPrincipal User(string name, string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.NameIdentifier, name), new Claim(ClaimTypes.Role, role)], "test"));
}

[CollectionDefinition(Name)]
public sealed class AlertsHostCollection : ICollectionFixture<AlertsHost>
{
    /// <summary>The alert component tests share one host and run one at a time.</summary>
    public const string Name = "alerts-host";
}
