using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.PromQl;
using OpsConsole.Core.Metrics.Store;
using OpsConsole.IntegrationTests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace OpsConsole.IntegrationTests.Alerts.Rules;

/// <summary>
/// The correctness anchor for the rule engine: Prometheus's own `promtool test rules` proves the expectations in
/// Promtool/anchor.test.yml (for counting, pending dropped, keep_firing_for, lookback, staleness, templates), and the
/// console's rule manager, fed the same input series on a fake clock, must fire the same alerts with the same labels and
/// annotations at the same evaluation times. The expressions are `series op number`, evaluated here by
/// <see cref="InputSeriesEngine"/> with Prometheus's instant-vector lookback, so the comparison pins the state machine
/// and templates; the console's PromQL engine replaces it once merged.
/// </summary>
public sealed partial class PromtoolAnchorTests
{
    private const string Promtool = "/usr/bin/promtool";
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Alerts", "Rules", "Promtool");

    [Theory]
    [InlineData("anchor.test.yml")]
    [InlineData("anchor-promql.test.yml")] // the console's side of this one needs its PromQL engine
    [InlineData("secrets.test.yml")] // the shipped SecretRotationDueSoon and SecretRotationOverdue, against Prometheus itself
    public async Task Promtool_passes_the_anchor_test_files_so_their_expectations_are_Prometheus_s(string testFile)
    {
        var (code, output) = await RunAsync("test", "rules", testFile);

        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_shipped_SampleShop_rules_pass_promtool_check_rules()
    {
        Assert.True(File.Exists(DemoRules.BundledFile), $"{DemoRules.BundledFile} is not beside the binary");

        var (code, output) = await RunAsync("check", "rules", DemoRules.BundledFile);

        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS: 4 rules found", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("backups.rules.yml", 7)]
    [InlineData("keys.rules.yml", 6)]
    public async Task The_shipped_default_rules_pass_promtool_check_rules_and_load_in_the_console(string file, int count)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "rules", file);
        Assert.True(File.Exists(path), $"{path} is not beside the binary");

        var (code, output) = await RunAsync("check", "rules", path);
        Assert.True(code == 0, output);
        Assert.Contains($"SUCCESS: {count} rules found", output, StringComparison.Ordinal);

        var result = await new RuleSetLoader(AppContext.BaseDirectory)
            .LoadAsync([path], TimeSpan.FromSeconds(15), new InputSeriesEngine([], DateTimeOffset.UnixEpoch), null, CancellationToken.None);
        Assert.True(result.Succeeded, result.ErrorText);
        Assert.Equal(count, result.RuleSet!.Groups.Sum(g => g.Rules.Count));
    }

    [Fact]
    public async Task The_shipped_SampleShop_rules_load_in_the_console()
    {
        var result = await new RuleSetLoader(AppContext.BaseDirectory)
            .LoadAsync([DemoRules.BundledFile], TimeSpan.FromSeconds(15), new InputSeriesEngine([], DateTimeOffset.UnixEpoch), null, CancellationToken.None);

        Assert.True(result.Succeeded, result.ErrorText);
        var rules = result.RuleSet!.Groups.Single().Rules;
        Assert.Equal(["HighErrorRatio", "HighLatencyP95", "TargetDown", "RateLimitRejections"], rules.Select(r => r.Name));
        Assert.Equal([TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)], rules.Select(r => r.For));
        Assert.All(rules, r => Assert.Equal(["summary", "description", "runbook_url"], r.Annotations.Select(a => a.Name)));
        Assert.Equal(["critical", "warning", "critical", "warning"], rules.Select(r => r.Labels.Single(l => l.Name == "severity").Template.Text));
    }

    [Theory]
    [InlineData("anchor.rules.yml", "anchor.test.yml")]
    [InlineData("anchor-promql.rules.yml", "anchor-promql.test.yml")]
    public async Task The_console_engine_over_its_metric_store_fires_the_same_alerts_as_promtool(string ruleFile, string testFile)
    {
        var anchor = await AnchorTest.LoadAsync(Path.Combine(Folder, testFile));
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var store = new MetricStore(new MetricStoreOptions { Retention = TimeSpan.FromHours(6), ScrapeInterval = anchor.Interval });
        foreach (var series in anchor.Series)
        {
            // Each series is its own target, so a missing sample is only missing (a scrape without it would mark it stale).
            var target = series.Labels.ToString();
            var text = series.Labels["__name__"] + "{" + string.Join(",", series.Labels.Labels.Where(l => l.Key != "__name__").Select(l => $"{l.Key}=\"{l.Value}\"")) + "} ";
            foreach (var (at, value, stale) in series.Samples)
            {
                var ms = (start + at).ToUnixTimeMilliseconds();
                if (stale)
                {
                    store.MarkTargetStale(target, ms);
                }
                else if (value is { } v)
                {
                    store.Ingest(target, new Dictionary<string, string>(), Encoding.UTF8.GetBytes(text + v.ToString("R", CultureInfo.InvariantCulture) + "\n"), ExpositionFormat.PrometheusText, ms);
                }
            }
        }

        var seen = await RunConsoleAsync(ruleFile, new ConsoleRuleQueryEngine(store), anchor, start);

        Assert.All(anchor.Expectations, e => Assert.Equal(e.Expected, seen[(e.At, e.Alert)]));
    }

    [Fact]
    public async Task The_shipped_SampleShop_rules_are_in_the_console_engine_s_subset()
    {
        var engine = new ConsoleRuleQueryEngine(new MetricStore(new MetricStoreOptions()));

        var result = await new RuleSetLoader(AppContext.BaseDirectory).LoadAsync([DemoRules.BundledFile], TimeSpan.FromSeconds(15), engine, null, CancellationToken.None);

        Assert.True(result.Succeeded, result.ErrorText);
    }

    [Fact]
    public async Task The_console_fires_the_same_alerts_as_promtool_at_every_evaluation_time()
    {
        var anchor = await AnchorTest.LoadAsync(Path.Combine(Folder, "anchor.test.yml"));

        var seen = await RunConsoleAsync("anchor.rules.yml", new InputSeriesEngine(anchor.Series, DateTimeOffset.UnixEpoch), anchor, DateTimeOffset.UnixEpoch);

        Assert.All(anchor.Expectations, e => Assert.Equal(e.Expected, seen[(e.At, e.Alert)]));
        Assert.Equal(14, anchor.Expectations.Count);
    }

    /// <summary>
    /// The console's rule manager over the anchor rules, evaluated every evaluation_interval from <paramref name="start"/>
    /// (promtool's time 0) to the last checkpoint: the firing alerts of each rule at each time, as comparable strings.
    /// </summary>
    private static async Task<Dictionary<(TimeSpan, string), List<string>>> RunConsoleAsync(string ruleFile, IRuleQueryEngine engine, AnchorTest anchor, DateTimeOffset start)
    {
        var clock = new FakeTimeProvider(start);
        var live = new LiveEventBus();
        var manager = new AlertRuleManager(
            Options.Create(new AlertRulesOptions { RuleFiles = [ruleFile], EvaluationInterval = anchor.Interval }),
            new RuleEngineSelection(engine), [], live, new ConsoleAlertBoard(live, clock), clock,
            new HostingEnvironment { ContentRootPath = Folder }, NullLogger<AlertRuleManager>.Instance);
        var load = await manager.ReloadAsync("test", CancellationToken.None);
        Assert.True(load.Succeeded, load.ErrorText);

        var seen = new Dictionary<(TimeSpan, string), List<string>>();
        var group = manager.Status.Groups.Single();
        var end = anchor.Expectations.Max(e => e.At);
        for (var at = TimeSpan.Zero; at <= end; at += anchor.Interval)
        {
            await manager.EvaluateGroupAsync($"{group.File};{group.Name}", start + at, CancellationToken.None);
            foreach (var rule in manager.Status.Groups.Single().Rules)
            {
                seen[(at, rule.Name)] = [.. rule.Alerts.Where(a => a.State == AlertState.Firing).Select(Describe).Order(StringComparer.Ordinal)];
            }
        }

        return seen;
    }

    /// <summary>A promtool test file's first test: its evaluation interval, input series and expected firing alerts.</summary>
    private sealed record AnchorTest(
        TimeSpan Interval, IReadOnlyList<InputSeries> Series, IReadOnlyList<(TimeSpan At, string Alert, List<string> Expected)> Expectations)
    {
        public static async Task<AnchorTest> LoadAsync(string path)
        {
            var test = new YamlStream();
            test.Load(new StringReader(await File.ReadAllTextAsync(path)));
            var root = (YamlMappingNode)test.Documents[0].RootNode;
            var testCase = (YamlMappingNode)((YamlSequenceNode)root["tests"])[0];
            var seriesInterval = Duration(testCase, "interval");
            return new AnchorTest(
                Duration(root, "evaluation_interval"),
                [.. ((YamlSequenceNode)testCase["input_series"]).Cast<YamlMappingNode>()
                    .Select(s => InputSeries.Parse(Text(s, "series"), Text(s, "values"), seriesInterval))],
                [.. ((YamlSequenceNode)testCase["alert_rule_test"]).Cast<YamlMappingNode>()
                    .Select(t => (Duration(t, "eval_time"), Text(t, "alertname"), Expected(t, Text(t, "alertname"))))]);
        }
    }

    private static List<string> Expected(YamlMappingNode test, string alertname) =>
        [.. ((YamlSequenceNode)test["exp_alerts"]).Cast<YamlMappingNode>().Select(a =>
        {
            var labels = a.Children.TryGetValue(new YamlScalarNode("exp_labels"), out var given)
                ? ((YamlMappingNode)given).Children.ToDictionary(p => p.Key.ToString(), p => p.Value.ToString())
                : [];
            labels["alertname"] = alertname; // promtool adds it to the expected labels
            var annotations = a.Children.TryGetValue(new YamlScalarNode("exp_annotations"), out var node)
                ? ((YamlMappingNode)node).Children.ToDictionary(p => p.Key.ToString(), p => p.Value.ToString())
                : [];
            return Describe(new LabelSet(labels), annotations);
        }).Order(StringComparer.Ordinal)];

    private static string Describe(AlertInstance alert) => Describe(alert.Labels, alert.Annotations);

    private static string Describe(LabelSet labels, IReadOnlyDictionary<string, string> annotations) =>
        labels + " " + string.Join(", ", annotations.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}=\"{a.Value}\""));

    private static string Text(YamlMappingNode map, string key) => ((YamlScalarNode)map[key]).Value!;

    private static TimeSpan Duration(YamlMappingNode map, string key) => PromDuration.Parse(Text(map, key));

    private static async Task<(int Code, string Output)> RunAsync(params string[] arguments)
    {
        Assert.True(File.Exists(Promtool), $"{Promtool} is missing: ./test.sh installs Debian's prometheus package");
        var (exitCode, output, error) = await ToolProcess.RunAsync(Promtool, arguments, workingDirectory: Folder);
        return (exitCode, output + error);
    }

    /// <summary>One promtool input series: labels and the expanded values ('a+bxn', 'axn', '_', '_xn', 'stale').</summary>
    private sealed partial record InputSeries(LabelSet Labels, IReadOnlyList<(TimeSpan At, double? Value, bool Stale)> Samples)
    {
        public static InputSeries Parse(string series, string values, TimeSpan interval)
        {
            var match = SeriesPattern().Match(series);
            var labels = new Dictionary<string, string> { ["__name__"] = match.Groups["name"].Value };
            foreach (Match label in LabelPattern().Matches(match.Groups["labels"].Value))
            {
                labels[label.Groups["k"].Value] = label.Groups["v"].Value;
            }

            var samples = new List<(TimeSpan, double?, bool)>();
            foreach (var token in values.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var expand = ExpandPattern().Match(token);
                if (token == "stale")
                {
                    samples.Add((interval * samples.Count, null, true));
                }
                else if (token.StartsWith('_'))
                {
                    var count = token == "_" ? 1 : int.Parse(token[2..], CultureInfo.InvariantCulture);
                    for (var i = 0; i < count; i++)
                    {
                        samples.Add((interval * samples.Count, null, false));
                    }
                }
                else if (expand.Success)
                {
                    var start = double.Parse(expand.Groups["a"].Value, CultureInfo.InvariantCulture);
                    var step = expand.Groups["b"].Success ? double.Parse(expand.Groups["b"].Value, CultureInfo.InvariantCulture) : 0;
                    for (var i = 0; i <= int.Parse(expand.Groups["n"].Value, CultureInfo.InvariantCulture); i++)
                    {
                        samples.Add((interval * samples.Count, start + (i * step), false));
                    }
                }
                else
                {
                    samples.Add((interval * samples.Count, double.Parse(token, CultureInfo.InvariantCulture), false));
                }
            }

            return new InputSeries(new LabelSet(labels), samples);
        }

        /// <summary>Prometheus 2.42's instant value: the newest sample at or before t, at most 5 minutes old, unless it is a stale marker.</summary>
        public double? ValueAt(TimeSpan at)
        {
            var newest = Samples.LastOrDefault(s => s.At <= at && (s.Value is not null || s.Stale));
            return newest.At >= at - TimeSpan.FromMinutes(5) && !newest.Stale ? newest.Value : null;
        }

        [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?$""")]
        private static partial Regex SeriesPattern();

        [GeneratedRegex("(?<k>[a-zA-Z_][a-zA-Z0-9_]*)\\s*=\\s*\"(?<v>[^\"]*)\"")]
        private static partial Regex LabelPattern();

        [GeneratedRegex("""^(?<a>-?[0-9.]+)(?<b>[+-][0-9.]+)?x(?<n>[0-9]+)$""")]
        private static partial Regex ExpandPattern();
    }

    /// <summary>Evaluates `series op number` over the input series, keeping the series' labels and value (PromQL's filter).</summary>
    private sealed partial class InputSeriesEngine(IReadOnlyList<InputSeries> series, DateTimeOffset start) : IRuleQueryEngine
    {
        public string Description => "input series";

        public void Validate(string expression)
        {
        }

        public Task<IReadOnlyList<RuleSample>> EvaluateAsync(string expression, DateTimeOffset at, CancellationToken cancellationToken)
        {
            var match = Comparison().Match(expression.Trim());
            Assert.True(match.Success, $"the stand-in engine reads `series op number` only: {expression}");
            var threshold = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            var op = match.Groups["op"].Value;
            var samples = series
                .Where(s => s.Labels["__name__"] == match.Groups["name"].Value)
                .Select(s => (s.Labels, Value: s.ValueAt(at - start)))
                .Where(s => s.Value is { } v && op switch { ">" => v > threshold, "<" => v < threshold, "==" => v == threshold, _ => false })
                .Select(s => new RuleSample(s.Labels, s.Value!.Value))
                .ToList();
            return Task.FromResult<IReadOnlyList<RuleSample>>(samples);
        }

        [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?<op>==|>|<)\s*(?<n>[0-9.]+)$""")]
        private static partial Regex Comparison();
    }
}
