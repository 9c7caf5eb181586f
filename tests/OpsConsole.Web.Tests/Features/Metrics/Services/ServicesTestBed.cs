using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.Query;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.Core.Metrics.Services;
using OpsConsole.Core.Metrics.Store;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Metrics.Services;

/// <summary>A real store, scraper registry and overview, fed with exposition text instead of HTTP (the components under test only read).</summary>
public sealed class ServicesTestBed
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    public ServicesTestBed(params string[] targets)
    {
        Targets = [.. targets.Select(t => new ScrapeTarget { Name = t, Url = $"http://127.0.0.1:5081/{t}/metrics" })];
        Store = new MetricStore(new MetricStoreOptions { ScrapeInterval = TimeSpan.FromSeconds(15), Retention = TimeSpan.FromHours(6) });
        Scraper = new ScrapeService(Options.Create(new MetricsOptions { Targets = [.. Targets] }), Store, null!, Bus, Time, NullLogger<ScrapeService>.Instance);
        Overview = new ServiceOverview(Store, Scraper, Bus, Options.Create(new ServiceSignalsOptions()), Time);
        Alerts = new AlertStoreTestBed(Bus, Time);
    }

    public FakeTimeProvider Time { get; } = new(Start);

    public LiveEventBus Bus { get; } = new();

    public MetricStore Store { get; }

    public ServiceOverview Overview { get; }

    /// <summary>The target registry (never started: tests feed scrapes through <see cref="Scrape"/>).</summary>
    public ScrapeService Scraper { get; }

    public IReadOnlyList<ScrapeTarget> Targets { get; }

    /// <summary>The rule manager the service page lists its rules from (no rule files unless a test writes some).</summary>
    public AlertRuleManager Rules => _rules ??= new AlertRuleManager(
        Options.Create(new AlertRulesOptions { RuleFiles = [] }), new RuleEngineSelection(new ConsoleRuleQueryEngine(Store)), [], Bus,
        new ConsoleAlertBoard(Bus, Time), Time, new HostingEnvironment { ContentRootPath = Path.GetTempPath() }, NullLogger<AlertRuleManager>.Instance);

    private AlertRuleManager? _rules;

    /// <summary>The alert store the tiles read their alert marks from.</summary>
    public AlertStoreTestBed Alerts { get; }

    public int SubscribersOfUpdates => Bus.Statistics.Topics.TryGetValue(ServiceTopics.Updated.Name, out var t) ? t.Subscribers : 0;

    public void Register(IServiceCollection services)
    {
        services.AddSingleton<ILiveEvents>(Bus);
        services.AddSingleton(Overview);
        services.AddSingleton(Alerts.Store);
        services.AddSingleton(Rules);
        services.AddSingleton(new MetricQueryService(Store, Time));
        services.AddSingleton(sp => new ServiceHistory(Overview, sp.GetRequiredService<MetricQueryService>(), Store, Time));
        services.AddSingleton(Store);
        services.AddSingleton<TimeProvider>(Time);
        services.AddViewerTime();
        services.AddMudServices();
    }

    /// <summary>Scrape number <paramref name="i"/> (15 s apart) of a target: 100 requests per 15 s with the given 5xx count and latency.</summary>
    public ServiceSnapshot Scrape(string target, int i, int errorsPer15s = 0, bool slow = false, bool up = true)
    {
        var at = Start.AddSeconds(15 * i);
        Time.SetUtcNow(at);
        var scrapeTarget = Targets.Single(t => t.Name == target);
        if (up)
        {
            var fast = slow ? 0 : 100 * i;
            var text = string.Create(CultureInfo.InvariantCulture, $"""
                http_requests_received_total{"{"}code="200"{"}"} {(100 - errorsPer15s) * i}
                http_requests_received_total{"{"}code="500"{"}"} {errorsPer15s * i}
                http_request_duration_seconds_bucket{"{"}le="0.1"{"}"} {fast}
                http_request_duration_seconds_bucket{"{"}le="5"{"}"} {100 * i}
                http_request_duration_seconds_bucket{"{"}le="+Inf"{"}"} {100 * i}

                """);
            Store.Ingest(target, scrapeTarget.StoreLabels(), Encoding.UTF8.GetBytes(text), ExpositionFormat.PrometheusText, at.ToUnixTimeMilliseconds());
        }
        else
        {
            Store.MarkTargetStale(target, at.ToUnixTimeMilliseconds());
        }

        return Overview.Recompute(new TargetHealth(target, scrapeTarget.Url, up, at, TimeSpan.FromMilliseconds(4), 5, 5, up ? null : "connection refused", i + 1, up ? 0 : 1));
    }

    public void Scrapes(string target, int count, int errorsPer15s = 0, bool slow = false)
    {
        for (var i = 0; i < count; i++)
        {
            Scrape(target, i, errorsPer15s, slow);
        }
    }
}
