using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.PromQl;
using OpsConsole.Core.Metrics.Store;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Alerts.Rules;

/// <summary>
/// The real rule manager, rule tester and PromQL engine over a real metric store (fed exposition text as a scrape
/// would) and rule files in a temporary content root; tests drive loads and group evaluations themselves (the manager
/// is not started, so no loop runs by the clock).
/// </summary>
public sealed class RulesTestBed : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 14, 2, 0, TimeSpan.Zero);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("opsconsole-rules-page-");

    public RulesTestBed()
    {
        var options = Options.Create(new AlertRulesOptions { RuleFiles = ["rules/*.rules.yml"] });
        var engines = new RuleEngineSelection(new ConsoleRuleQueryEngine(Store));
        Manager = new AlertRuleManager(options, engines, [], Bus, new ConsoleAlertBoard(Bus, Time), Time,
            new HostingEnvironment { ContentRootPath = _root.FullName }, NullLogger<AlertRuleManager>.Instance);
        Tester = new RuleTester(engines, Time);
    }

    public FakeTimeProvider Time { get; } = new(Start);

    public LiveEventBus Bus { get; } = new();

    public MetricStore Store { get; } = new(new MetricStoreOptions { ScrapeInterval = TimeSpan.FromSeconds(15), Retention = TimeSpan.FromHours(1) });

    public AlertRuleManager Manager { get; }

    public RuleTester Tester { get; }

    public int Subscribers(string topic) => Bus.Statistics.Topics.TryGetValue(topic, out var t) ? t.Subscribers : 0;

    public void Register(IServiceCollection services)
    {
        services.AddSingleton<ILiveEvents>(Bus);
        services.AddSingleton(Manager);
        services.AddSingleton(Tester);
        services.AddSingleton<TimeProvider>(Time);
        services.AddViewerTime();
        services.AddSingleton(new OpsConsole.Web.Features.Alerts.Runbooks.RunbookLinks(Microsoft.Extensions.Options.Options.Create(new OpsConsole.Web.Features.Alerts.Runbooks.RunbookOptions())));
    }

    public void Write(string name, string content)
    {
        var path = Path.Combine(_root.FullName, "rules", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>
    /// A scrape of target <c>shop</c> now: <paramref name="requests"/> and <paramref name="errors"/> (5xx) counted so far.
    /// </summary>
    public void Scrape(long requests, long errors)
    {
        var text = System.Text.Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"""
            http_requests_received_total{"{"}code="200"{"}"} {requests - errors}
            http_requests_received_total{"{"}code="500"{"}"} {errors}
            up 1

            """));
        Store.Ingest("shop", new Dictionary<string, string> { ["job"] = "shop", ["instance"] = "127.0.0.1:5081" }, text,
            ExpositionFormat.PrometheusText, Time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    public async Task<RuleLoadResult> ReloadAsync() => await Manager.ReloadAsync("test", CancellationToken.None);

    /// <summary>Evaluates every loaded group now (as their loops would at this instant).</summary>
    public async Task EvaluateAsync()
    {
        foreach (var group in Manager.Status.Groups)
        {
            await Manager.EvaluateGroupAsync($"{group.File};{group.Name}", Time.GetUtcNow(), CancellationToken.None);
        }
    }

    public void Dispose()
    {
        Manager.Dispose();
        _root.Refresh();
        if (_root.Exists)
        {
            _root.Delete(recursive: true);
        }
    }
}
