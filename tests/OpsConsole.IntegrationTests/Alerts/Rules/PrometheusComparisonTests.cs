using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Demo;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.IntegrationTests.Metrics;
using Xunit.Abstractions;

namespace OpsConsole.IntegrationTests.Alerts.Rules;

/// <summary>
/// Issue 6's correctness anchor over live data: one real SampleShop, scraped every second by a real Prometheus (Debian's
/// 2.42) and by the console, both evaluating the same rule file (the shipped SampleShop rules with short windows) every
/// second. SampleShop fails (its error burst), recovers, goes down and comes back. One poller per side records every
/// alert's states from <c>/api/v1/alerts</c> (Prometheus's, and the console's, which reads the alert store): both must
/// take the same alerts through the same states. Then each transition's evaluation time (Prometheus: its ALERTS series;
/// the console: the alert's activeAt, firedAt, resolvedAt) must lie within one evaluation interval plus one scrape
/// interval of the other's. The observed (polled) times are printed, not asserted: the console's side of them also holds
/// the alert store's write, which on a loaded machine took up to 2.4 s for the first alert of a run.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class PrometheusComparisonTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const string Job = "sampleshop";
    private static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan EvaluationInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The two scrape SampleShop at different phases, so their samples of the same moment differ by up to one scrape
    /// interval; each then evaluates on its own grid (Prometheus offsets a group by a hash of its name), up to one
    /// evaluation interval apart.
    /// </summary>
    private static readonly TimeSpan AllowedSkew = EvaluationInterval + ScrapeInterval;

    [Fact]
    public async Task The_console_takes_the_same_alerts_through_the_same_states_as_Prometheus_within_an_evaluation_and_a_scrape_interval()
    {
        var rules = ShortenedRules(await File.ReadAllTextAsync(DemoRules.BundledFile));
        var ruleDirectory = Directory.CreateTempSubdirectory("opsconsole-compare-rules-");
        var ruleFile = Path.Combine(ruleDirectory.FullName, "sampleshop-short.rules.yml");
        await File.WriteAllTextAsync(ruleFile, rules);
        await postgres.ResetSharedDatabaseAsync();
        var shopDatabase = await postgres.CreateEmptyDatabaseAsync();
        SampleShopProcess? shop = await SampleShopProcess.StartAsync(shopDatabase, ShopSettings);
        var shopAddress = shop.BaseAddress;
        try
        {
            using (var warm = shop.CreateClient())
            {
                // Its first /metrics pays for JIT; on a loaded machine that alone can outlast a 1 s scrape timeout.
                (await warm.GetAsync(shop.MetricsUrl)).Dispose();
            }

            await using var prometheus = await PrometheusServer.StartAsync(
                ExternalServerProcess.FreePort(), new Dictionary<string, Uri> { [Job] = shop.MetricsUrl }, ruleFileYaml: rules, evaluationInterval: EvaluationInterval);
            await using var console = await TestConsole.StartAsync(postgres.SharedConnectionString, new Dictionary<string, string?>
            {
                ["Metrics:ScrapeInterval"] = "00:00:01",
                ["Metrics:ScrapeTimeout"] = "00:00:01", // Prometheus's scrape_timeout in PrometheusServer
                ["Metrics:ScrapeSelf"] = "false", // SampleShop is the only target on both sides, so `up == 0` means the same
                ["Metrics:Targets:0:Name"] = Job,
                ["Metrics:Targets:0:Url"] = shop.MetricsUrl.ToString(),
                ["Alerts:RuleFiles:0"] = ruleFile,
            });
            await console.WaitForReadinessAsync();
            using var api = console.Api(await console.CreateTokenForNewUserAsync("comparison-reader", ConsoleRoles.Viewer));

            var clock = Stopwatch.StartNew();
            var comparedFrom = (Elapsed: TimeSpan.MaxValue, At: DateTimeOffset.MaxValue);
            var fromPrometheus = new AlertTimeline("prometheus", clock, ct => PrometheusAlertsAsync(prometheus, ct));
            var fromConsole = new AlertTimeline("console", clock, ct => ConsoleAlertsAsync(api, ct));
            using var stopPolling = new CancellationTokenSource();
            var polling = Task.WhenAll(fromPrometheus.RunAsync(stopPolling.Token), fromConsole.RunAsync(stopPolling.Token));
            try
            {
                // Both have run the four rules and hold over ten seconds of scrapes (the rules' whole [10s] window).
                await WaitAsync("Prometheus evaluated its 4 rules", async () => await PrometheusRuleHealthAsync(prometheus) is { Count: 4 } health && health.All(h => h == "ok"));
                await WaitAsync("the console evaluated its 4 rules", () => Task.FromResult(
                    console.Services.GetRequiredService<AlertRuleManager>().Status is { RuleCount: 4 } status && status.Groups.Single().Rules.All(r => r.Health == RuleHealth.Ok)));
                const string Scrapes = $"count_over_time(up{{job=\"{Job}\"}}[1m])";
                await prometheus.WaitForAsync(Scrapes, n => n >= 12, StepTimeout);
                await WaitAsync("the console holds 12 scrapes", async () =>
                    (await console.Services.GetRequiredService<RuleTester>().TestAsync(Scrapes, CancellationToken.None)).Samples is [{ Value: >= 12 }]);

                // The comparison starts here, with neither side holding an alert. What came before is start-up, where one
                // side may see what the other never scraped (the console's first scrape, made while it starts, can time
                // out); it is printed, not compared.
                await WaitAsync("neither side holds an alert", () => Task.FromResult(fromPrometheus.IsQuiet && fromConsole.IsQuiet));
                comparedFrom = (clock.Elapsed, DateTimeOffset.UtcNow);
                output.WriteLine($"{clock.Elapsed.TotalSeconds,7:0.000} s  comparison starts");

                using (var shopHttp = shop.CreateClient())
                using (var burst = await shopHttp.PostAsJsonAsync(new Uri("/admin/faults/error-burst", UriKind.Relative), new { rate = 1.0, duration = "00:05:00" }))
                {
                    Assert.True(burst.IsSuccessStatusCode, $"starting the error burst: {(int)burst.StatusCode}");
                }

                output.WriteLine($"{clock.Elapsed.TotalSeconds,7:0.000} s  error burst started");
                await WaitAsync("HighErrorRatio firing on both", () => Task.FromResult(Both(fromPrometheus, fromConsole, "HighErrorRatio", "firing", comparedFrom.Elapsed)));

                using (var shopHttp = shop.CreateClient())
                using (var end = await shopHttp.DeleteAsync(new Uri("/admin/faults/error-burst", UriKind.Relative)))
                {
                    Assert.True(end.IsSuccessStatusCode, $"ending the error burst: {(int)end.StatusCode}");
                }

                output.WriteLine($"{clock.Elapsed.TotalSeconds,7:0.000} s  error burst ended");
                await WaitAsync("HighErrorRatio resolved on both", () => Task.FromResult(Both(fromPrometheus, fromConsole, "HighErrorRatio", "resolved", comparedFrom.Elapsed)));

                await shop.DisposeAsync();
                shop = null;
                output.WriteLine($"{clock.Elapsed.TotalSeconds,7:0.000} s  SampleShop stopped");
                await WaitAsync("TargetDown firing on both", () => Task.FromResult(Both(fromPrometheus, fromConsole, "TargetDown", "firing", comparedFrom.Elapsed)));

                shop = await SampleShopProcess.StartAsync(shopDatabase, ShopSettings, shopAddress);
                output.WriteLine($"{clock.Elapsed.TotalSeconds,7:0.000} s  SampleShop started again");
                await WaitAsync("TargetDown resolved on both", () => Task.FromResult(Both(fromPrometheus, fromConsole, "TargetDown", "resolved", comparedFrom.Elapsed)));

                // Keep watching for as long as a late twin of any transition could take, so one side's extra step is seen.
                var quietUntil = clock.Elapsed + AllowedSkew + PollInterval;
                await WaitAsync("both polled past the last allowed skew", () => Task.FromResult(fromPrometheus.PolledAt >= quietUntil && fromConsole.PolledAt >= quietUntil));
            }
            finally
            {
                await stopPolling.CancelAsync();
                await polling;
            }

            var (prometheusEpisodes, prometheusBefore) = Split(await PrometheusEpisodesAsync(prometheus), comparedFrom.At);
            var (consoleEpisodes, consoleBefore) = Split(await ConsoleEpisodesAsync(api), comparedFrom.At);
            var prometheusSteps = fromPrometheus.Transitions.Where(t => t.At >= comparedFrom.Elapsed).ToList();
            var consoleSteps = fromConsole.Transitions.Where(t => t.At >= comparedFrom.Elapsed).ToList();
            Report(fromPrometheus, fromConsole, prometheusSteps, consoleSteps, prometheusEpisodes, consoleEpisodes, [.. prometheusBefore, .. consoleBefore]);

            // Prometheus is the reference: exactly these two alerts, each pending, firing, resolved; the console the same.
            Assert.Equal(
                [
                    $"alertname=\"HighErrorRatio\", job=\"{Job}\", severity=\"critical\": pending, firing, resolved",
                    $"alertname=\"TargetDown\", instance=\"{shopAddress.Authority}\", job=\"{Job}\", severity=\"critical\": pending, firing, resolved",
                ],
                Sequences(prometheusSteps));
            Assert.Equal(Sequences(prometheusSteps), Sequences(consoleSteps));

            // The ALERTS series tell the same story as Prometheus's API (its activeAt, to the millisecond it stores).
            Assert.Equal(
                prometheusSteps.Where(t => t.State == "pending").Select(t => (t.Alert, t.ActiveAt!.Value.ToUnixTimeMilliseconds())).Order(),
                prometheusEpisodes.Select(e => (e.Alert, e.ActiveAt.ToUnixTimeMilliseconds())).Order());
            Assert.Equal(prometheusEpisodes.Select(e => e.Alert), consoleEpisodes.Select(e => e.Alert));
            foreach (var (p, c) in prometheusEpisodes.Zip(consoleEpisodes))
            {
                AssertClose(p.Alert, "pending (activeAt)", p.ActiveAt, c.ActiveAt);
                AssertClose(p.Alert, "firing (firedAt)", p.FiredAt, c.FiredAt);
                AssertClose(p.Alert, "resolved (resolvedAt)", p.ResolvedAt, c.ResolvedAt);
            }
        }
        finally
        {
            if (shop is not null)
            {
                await shop.DisposeAsync();
            }

            ruleDirectory.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_shortened_rules_keep_the_shipped_rules_and_change_only_windows_durations_and_the_interval()
    {
        var shipped = File.ReadAllText(DemoRules.BundledFile);

        var shortened = ShortenedRules(shipped);

        Assert.DoesNotContain("[5m]", shortened, StringComparison.Ordinal);
        Assert.Equal(4, shortened.Split("[10s]").Length - 1);
        Assert.Equal(["3s", "3s", "2s", "3s"], ForPattern().Matches(shortened).Select(m => m.Groups[1].Value));
        Assert.Contains("        keep_firing_for: 2s\n", shortened, StringComparison.Ordinal);
        Assert.Equal(
            AlertPattern().Matches(shipped).Select(m => m.Value),
            AlertPattern().Matches(shortened).Select(m => m.Value));
    }

    /// <summary>
    /// The shipped SampleShop rules, short enough for a one-minute test: windows of 10 s instead of 5 m, each <c>for</c> a
    /// few seconds, HighErrorRatio with <c>keep_firing_for: 2s</c>, the group evaluated every second. Text edits rather
    /// than a YAML round trip, so both sides read the shipped file's own text, comments and quoting included.
    /// </summary>
    private static string ShortenedRules(string shipped)
    {
        var text = Replace(shipped, "\n    rules:\n", $"\n    interval: {EvaluationInterval.TotalSeconds:0}s\n    rules:\n", 1);
        text = Replace(text, "[5m]", "[10s]", 4);
        text = Replace(text, "        for: 5m\n", "        for: 3s\n        keep_firing_for: 2s\n", 1); // HighErrorRatio
        text = Replace(text, "        for: 10m\n", "        for: 3s\n", 1); // HighLatencyP95
        text = Replace(text, "        for: 1m\n", "        for: 2s\n", 1); // TargetDown
        return Replace(text, "        for: 2m\n", "        for: 3s\n", 1); // RateLimitRejections

        static string Replace(string text, string from, string to, int expected)
        {
            var count = (text.Length - text.Replace(from, "", StringComparison.Ordinal).Length) / from.Length;
            Assert.True(count == expected, $"the shipped rules hold {count} of \"{from.Trim()}\", not {expected}: update {nameof(ShortenedRules)}");
            return text.Replace(from, to, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A steady 10 requests a second from SampleShop's own generator (no rate-limit bursts, whose 429s are another rule's
    /// business), nothing failing or slow until the test says so, and the error-burst endpoint on.
    /// </summary>
    private static Dictionary<string, string> ShopSettings => new()
    {
        ["SampleShop:Traffic:Enabled"] = "true",
        ["SampleShop:Traffic:RequestsPerSecond"] = "10",
        ["SampleShop:Traffic:BurstRequests"] = "0",
        ["SampleShop:Faults:ControlEndpoint"] = "true",
    };

    private static bool Both(AlertTimeline a, AlertTimeline b, string alertName, string state, TimeSpan since) =>
        a.Saw(alertName, state, since) && b.Saw(alertName, state, since);

    private static async Task<IReadOnlyDictionary<string, AlertSeen>> PrometheusAlertsAsync(PrometheusServer prometheus, CancellationToken cancellationToken)
    {
        using var document = await prometheus.GetJsonAsync("api/v1/alerts", cancellationToken);
        return document.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray().ToDictionary(
            a => Canonical(a.GetProperty("labels")),
            a => new AlertSeen(a.GetProperty("state").GetString()!, ParseTime(a.GetProperty("activeAt").GetString()!)));
    }

    private static async Task<IReadOnlyDictionary<string, AlertSeen>> ConsoleAlertsAsync(HttpClient api, CancellationToken cancellationToken)
    {
        using var response = await api.GetAsync(new Uri("/api/v1/alerts?state=firing,pending&source=rule&limit=200", UriKind.Relative), cancellationToken);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return document.RootElement.GetProperty("items").EnumerateArray().ToDictionary(
            a => Canonical(a.GetProperty("labels")),
            a => new AlertSeen(a.GetProperty("state").GetString()!, a.GetProperty("activeAt").GetDateTimeOffset()));
    }

    private static async Task<List<string>> PrometheusRuleHealthAsync(PrometheusServer prometheus)
    {
        using var document = await prometheus.GetJsonAsync("api/v1/rules");
        return [.. document.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .Select(r => r.GetProperty("health").GetString()!)];
    }

    /// <summary>Labels as one comparable string, sorted by name (the same on both sides, whatever order each sends).</summary>
    private static string Canonical(JsonElement labels, params string[] except) =>
        string.Join(", ", labels.EnumerateObject().Where(l => !except.Contains(l.Name)).OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => $"{l.Name}=\"{l.Value.GetString()}\""));

    /// <summary>Prometheus writes RFC 3339 with nanoseconds; .NET parses at most 7 fractional digits.</summary>
    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(FractionPattern().Replace(text, m => m.Value[..Math.Min(m.Value.Length, 8)]), CultureInfo.InvariantCulture);

    /// <summary>Each alert with its states in order, as one line (so a failed comparison prints both sides whole).</summary>
    private static List<string> Sequences(IReadOnlyList<Transition> transitions) =>
        [.. transitions.GroupBy(t => t.Alert).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {string.Join(", ", g.Select(t => t.State))}")];

    /// <summary>Each alert's n-th transition on one side with its n-th on the other.</summary>
    private static IEnumerable<(Transition Prometheus, Transition Console)> Pairs(IReadOnlyList<Transition> prometheus, IReadOnlyList<Transition> console) =>
        prometheus.GroupBy(t => t.Alert).SelectMany(g => g.Zip(console.Where(c => c.Alert == g.Key)));

    private static void AssertClose(string alert, string step, DateTimeOffset? prometheus, DateTimeOffset? console)
    {
        Assert.True(prometheus.HasValue == console.HasValue, $"{alert} {step}: {prometheus?.ToString("O", CultureInfo.InvariantCulture) ?? "never"} on Prometheus, {console?.ToString("O", CultureInfo.InvariantCulture) ?? "never"} on the console");
        if (prometheus is { } p && console is { } c)
        {
            var skew = (c - p).Duration();
            Assert.True(skew <= AllowedSkew, $"{alert} {step}: evaluated at {p:HH:mm:ss.fff} on Prometheus, {c:HH:mm:ss.fff} on the console ({skew.TotalMilliseconds:0} ms apart; allowed {AllowedSkew.TotalMilliseconds:0})");
        }
    }

    /// <summary>
    /// Prometheus's episodes from its own record: each evaluation writes <c>ALERTS{alertstate}</c> for every pending and
    /// firing alert, and <c>ALERTS_FOR_STATE</c> whose value (activeAt in whole seconds) tells one episode from the next.
    /// The resolving evaluation writes nothing, so resolvedAt is the last firing sample plus one evaluation interval.
    /// </summary>
    private static async Task<List<Episode>> PrometheusEpisodesAsync(PrometheusServer prometheus)
    {
        var now = DateTimeOffset.UtcNow;
        using var alerts = await prometheus.QueryAsync("ALERTS[15m]", now);
        using var forState = await prometheus.QueryAsync("ALERTS_FOR_STATE[15m]", now);
        var episodeAt = new Dictionary<(string Alert, long At), double>();
        foreach (var series in Result(forState))
        {
            var alert = Canonical(series.GetProperty("metric"), "__name__");
            foreach (var (at, value) in Samples(series))
            {
                episodeAt[(alert, at)] = value;
            }
        }

        var samples = Result(alerts).SelectMany(series => Samples(series).Select(s => (
            Alert: Canonical(series.GetProperty("metric"), "__name__", "alertstate"),
            State: series.GetProperty("metric").GetProperty("alertstate").GetString()!,
            At: s.At)));
        return [.. samples
            .GroupBy(s => (s.Alert, Episode: episodeAt[(s.Alert, s.At)]))
            .Select(g =>
            {
                var firing = g.Where(s => s.State == "firing").Select(s => s.At).ToList();
                var ended = DateTimeOffset.FromUnixTimeMilliseconds(g.Max(s => s.At)) + EvaluationInterval;
                return new Episode(
                    g.Key.Alert,
                    DateTimeOffset.FromUnixTimeMilliseconds(g.Min(s => s.At)),
                    firing.Count > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(firing.Min()) : null,
                    firing.Count > 0 ? ended : null,
                    ended);
            })
            .OrderBy(e => e.Alert, StringComparer.Ordinal).ThenBy(e => e.ActiveAt)];

        static IEnumerable<JsonElement> Result(JsonDocument document) =>
            document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray();

        static IEnumerable<(long At, double Value)> Samples(JsonElement series) =>
            series.GetProperty("values").EnumerateArray().Select(v => (
                (long)Math.Round(v[0].GetDouble() * 1000),
                double.Parse(v[1].GetString()!, CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// The console's episodes as its alert store holds them: every rule alert with its evaluation times. The store closes
    /// a pending alert that vanished as resolved; like Prometheus's, such an episode has no resolvedAt here.
    /// </summary>
    private static async Task<List<Episode>> ConsoleEpisodesAsync(HttpClient api)
    {
        using var response = await api.GetAsync(new Uri("/api/v1/alerts?state=firing,pending,resolved&source=rule&limit=200", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. document.RootElement.GetProperty("items").EnumerateArray()
            .Select(a =>
            {
                var firedAt = Time(a.GetProperty("firedAt"));
                var endedAt = Time(a.GetProperty("resolvedAt"));
                return new Episode(Canonical(a.GetProperty("labels")), a.GetProperty("activeAt").GetDateTimeOffset(), firedAt, firedAt is null ? null : endedAt, endedAt);
            })
            .OrderBy(e => e.Alert, StringComparer.Ordinal).ThenBy(e => e.ActiveAt)];

        static DateTimeOffset? Time(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : value.GetDateTimeOffset();
    }

    /// <summary>The episodes of the comparison, and those that had ended before it started.</summary>
    private static (List<Episode> Compared, List<Episode> Before) Split(List<Episode> episodes, DateTimeOffset comparedFrom) =>
        ([.. episodes.Where(e => e.EndedAt is not { } end || end >= comparedFrom)], [.. episodes.Where(e => e.EndedAt < comparedFrom)]);

    private void Report(
        AlertTimeline prometheus, AlertTimeline console, List<Transition> prometheusSteps, List<Transition> consoleSteps,
        List<Episode> prometheusEpisodes, List<Episode> consoleEpisodes, List<Episode> before)
    {
        foreach (var e in before)
        {
            output.WriteLine($"before the comparison: {e}");
        }

        output.WriteLine($"polls: prometheus {prometheus.Polls} ({prometheus.Failures} failed), console {console.Polls} ({console.Failures} failed); allowed evaluation-time skew {AllowedSkew.TotalMilliseconds:0} ms");
        foreach (var (p, c) in prometheusEpisodes.Zip(consoleEpisodes))
        {
            var name = p.Alert.Split(',')[0];
            output.WriteLine($"EVAL {name,-28} pending {Ms(p.ActiveAt, c.ActiveAt)}  firing {Ms(p.FiredAt, c.FiredAt)}  resolved {Ms(p.ResolvedAt, c.ResolvedAt)}  (console minus Prometheus)");
        }

        foreach (var (p, c) in Pairs(prometheusSteps, consoleSteps))
        {
            output.WriteLine($"SEEN {p.Alert.Split(',')[0],-28} {p.State,-8} prometheus {p.At.TotalSeconds,7:0.000} s  console {c.At.TotalSeconds,7:0.000} s  skew {(c.At - p.At).TotalMilliseconds,6:0} ms");
        }

        foreach (var side in new[] { prometheus, console })
        {
            foreach (var t in side.Transitions)
            {
                output.WriteLine($"{side.Name,-10} {t.At.TotalSeconds,7:0.000} s  {t.State,-8} {t.Alert}");
            }
        }

        static string Ms(DateTimeOffset? p, DateTimeOffset? c) =>
            p is { } a && c is { } b ? $"{(b - a).TotalMilliseconds,6:0} ms" : "     -   ";
    }

    private static async Task WaitAsync(string what, Func<Task<bool>> condition) =>
        await AlertTesting.WaitUntilAsync(condition, what, StepTimeout);

    [GeneratedRegex(@"(?<=:\d\d)\.\d+")]
    private static partial Regex FractionPattern();

    [GeneratedRegex(@"^\s+for: (\S+)$", RegexOptions.Multiline)]
    private static partial Regex ForPattern();

    [GeneratedRegex(@"- alert: \S+")]
    private static partial Regex AlertPattern();

    private sealed record AlertSeen(string State, DateTimeOffset ActiveAt);

    /// <summary>One alert from pending to its end, by the evaluation times its engine gave each step (EndedAt: when it went, fired or not).</summary>
    private sealed record Episode(string Alert, DateTimeOffset ActiveAt, DateTimeOffset? FiredAt, DateTimeOffset? ResolvedAt, DateTimeOffset? EndedAt);

    /// <summary>An alert's state change as one side showed it: pending, firing, resolved (firing, then gone) or inactive (pending, then gone).</summary>
    private sealed record Transition(string Alert, string State, TimeSpan At, DateTimeOffset? ActiveAt);

    /// <summary>
    /// Polls one side's alerts every <see cref="PollInterval"/> and keeps each alert's transitions with the time the
    /// answer arrived (on the test's clock, shared by both sides). A failed poll is counted and changes nothing.
    /// </summary>
    private sealed class AlertTimeline(string name, Stopwatch clock, Func<CancellationToken, Task<IReadOnlyDictionary<string, AlertSeen>>> poll)
    {
        private readonly Lock _lock = new();
        private readonly List<Transition> _transitions = [];
        private Dictionary<string, AlertSeen> _last = [];
        private TimeSpan _polledAt;

        public string Name => name;

        public int Polls { get; private set; }

        public int Failures { get; private set; }

        /// <summary>When the newest answer arrived.</summary>
        public TimeSpan PolledAt
        {
            get
            {
                lock (_lock)
                {
                    return _polledAt;
                }
            }
        }

        public IReadOnlyList<Transition> Transitions
        {
            get
            {
                lock (_lock)
                {
                    return [.. _transitions];
                }
            }
        }

        /// <summary>Polled at least once, and the newest answer holds no alert.</summary>
        public bool IsQuiet
        {
            get
            {
                lock (_lock)
                {
                    return Polls > 0 && _last.Count == 0;
                }
            }
        }

        public bool Saw(string alertName, string state, TimeSpan since)
        {
            lock (_lock)
            {
                return _transitions.Any(t => t.State == state && t.At >= since && t.Alert.StartsWith($"alertname=\"{alertName}\"", StringComparison.Ordinal));
            }
        }

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            using var timer = new PeriodicTimer(PollInterval);
            try
            {
                do
                {
                    IReadOnlyDictionary<string, AlertSeen> now;
                    try
                    {
                        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                        timeout.CancelAfter(TimeSpan.FromSeconds(5));
                        now = await poll(timeout.Token);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                    {
                        Failures++;
                        continue;
                    }

                    Record(now, clock.Elapsed);
                }
                while (await timer.WaitForNextTickAsync(cancellationToken));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }

        private void Record(IReadOnlyDictionary<string, AlertSeen> now, TimeSpan at)
        {
            lock (_lock)
            {
                Polls++;
                foreach (var (alert, seen) in now)
                {
                    if (!_last.TryGetValue(alert, out var before) || before.State != seen.State)
                    {
                        _transitions.Add(new Transition(alert, seen.State, at, seen.State == "pending" ? seen.ActiveAt : null));
                    }
                }

                foreach (var (alert, before) in _last)
                {
                    if (!now.ContainsKey(alert))
                    {
                        _transitions.Add(new Transition(alert, before.State == "firing" ? "resolved" : "inactive", at, null));
                    }
                }

                _last = new Dictionary<string, AlertSeen>(now);
                _polledAt = at;
            }
        }
    }

}
