using System.Diagnostics;
using System.Globalization;
using System.Text;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.PromQl;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Benchmarks;

/// <summary>
/// Rule evaluation cost: a store of ~100,000 series (per job: request counters by method, handler and code, latency and
/// query-time histograms, RPC and cache counters, consumer lag, process gauges, up; two instances per job, 20 scrapes
/// 15 s apart) and 1,000 alert expressions of five kinds: error ratio, p95 latency from buckets, up == 0, absent(up),
/// increase(...) > n. Most are scoped to one job, as generated per-service rules are; <c>--global</c> of them span the
/// whole fleet (the error ratio and p95 by job over every series). One cycle evaluates every rule once on one thread;
/// the harness prints p50/p95/max cycle time and the bytes allocated per cycle.
/// </summary>
public sealed class RulesHarness : IHarness
{
    private static readonly string[] Methods = ["GET", "POST"];
    private static readonly string[] Handlers = ["/api/orders", "/api/customers", "/api/cart", "/api/search", "/health"];
    private static readonly string[] Codes = ["200", "404", "500", "503"];
    private static readonly string[] Bounds = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"];
    private static readonly string[] QueryBounds = ["0.001", "0.005", "0.01", "0.05", "0.1", "0.5", "1", "5", "10", "+Inf"];

    public string Name => "rules";

    public string Description => "PromQL rule cycle, one thread: --jobs 203 (x 494 series: just over 100,000) --rules 1000 --global 10 --cycles 50";

    public Task<int> RunAsync(string[] args)
    {
        var jobs = HarnessArgs.Int(args, "--jobs", 203);
        var ruleCount = HarnessArgs.Int(args, "--rules", 1000);
        var global = HarnessArgs.Int(args, "--global", 10);
        var cycles = HarnessArgs.Int(args, "--cycles", 50);
        const int Scrapes = 20;

        var store = new MetricStore(new MetricStoreOptions
        {
            Retention = TimeSpan.FromHours(6),
            ScrapeInterval = TimeSpan.FromSeconds(15),
            MaxSeries = 2_000_000,
            MaxSeriesPerTarget = 1_000_000,
            MaxBytes = 8L << 30,
        });
        var start = Stopwatch.StartNew();
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds() / 15_000 * 15_000;
        for (var k = 0; k < Scrapes; k++)
        {
            for (var j = 0; j < jobs; j++)
            {
                for (var i = 0; i < 2; i++)
                {
                    var labels = new Dictionary<string, string> { ["job"] = $"job-{j}", ["instance"] = $"10.{j / 250}.{j % 250}.{i + 1}:8080" };
                    store.Ingest($"job-{j}/{i}", labels, Exposition(j, i, k), ExpositionFormat.PrometheusText, t0 + (k * 15_000L));
                }
            }
        }

        var at = DateTimeOffset.FromUnixTimeMilliseconds(t0 + ((Scrapes - 1) * 15_000L));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rules: store of {store.SeriesCount:N0} series x {Scrapes} samples across {jobs} jobs ({store.BytesUsed / 1048576.0:0} MiB accounted), built in {start.Elapsed.TotalSeconds:0.0} s"));

        var rules = Rules(jobs, ruleCount, global);
        var engine = new ConsoleRuleQueryEngine(store);
        foreach (var rule in rules)
        {
            engine.Validate(rule);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rules: {rules.Count:N0} expressions ({rules.Count - global} scoped to one job, {global} fleet-wide), evaluated at the newest scrape"));

        // --probe "expr": time one expression alone (p50 of 50) and stop, to see where a cycle's time goes.
        var probes = args.Select((a, i) => (a, i)).Where(p => p.a == "--probe" && p.i + 1 < args.Length).Select(p => args[p.i + 1]).ToList();
        foreach (var expression in probes)
        {
            var (wall, cpu) = Probe(engine, expression, at);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rules: probe wall p50 {wall,9:0.0} µs, CPU {cpu,9:0.0} µs  {expression}"));
        }

        if (probes.Count > 0)
        {
            return Task.FromResult(0);
        }

        var first = Cycle(engine, rules, at);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rules: first cycle {first.Milliseconds:0.0} ms (builds the label indexes it needs), {first.Firing:N0} samples returned, {first.Bytes / 1048576.0:0.0} MiB allocated"));
        for (var w = 0; w < 10; w++) // past tiered JIT recompilation of the hot paths
        {
            Cycle(engine, rules, at);
        }

        var times = new List<double>();
        var cpuTimes = new List<double>();
        var bytes = new List<long>();
        var firing = 0;
        var gcBefore = GC.CollectionCount(0);
        for (var c = 0; c < cycles; c++)
        {
            var result = Cycle(engine, rules, at);
            times.Add(result.Milliseconds);
            cpuTimes.Add(result.CpuMilliseconds);
            bytes.Add(result.Bytes);
            firing = result.Firing;
        }

        times.Sort();
        cpuTimes.Sort();
        bytes.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rules: {cycles} cycles of {rules.Count:N0} rules over {store.SeriesCount:N0} series: p50 {Percentile(times, 0.50):0.0} ms, p95 {Percentile(times, 0.95):0.0} ms, max {times[^1]:0.0} ms per cycle; " +
            $"process CPU p50 {Percentile(cpuTimes, 0.50):0.0} ms, p95 {Percentile(cpuTimes, 0.95):0.0} ms per cycle; " +
            $"{bytes[bytes.Count / 2] / 1024.0:N0} KiB allocated per cycle (median, {bytes[bytes.Count / 2] / (double)rules.Count:N0} B per rule), {GC.CollectionCount(0) - gcBefore} gen0 GCs; {firing} samples returned per cycle"));

        foreach (var (kind, sample) in new[]
        {
            ("error ratio, one job", rules[0]), ("p95 latency, one job", rules[1]), ("up == 0, one job", rules[2]), ("absent(up), one job", rules[3]), ("increase > n, one job", rules[4]),
            ("error ratio, fleet-wide", rules[^Math.Max(1, global)]), ("p95 latency, fleet-wide", rules[^Math.Max(1, global - 1)]),
        })
        {
            var (wall, cpu) = Probe(engine, sample, at);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rules:   {kind,-24} wall p50 {wall,8:0.0} µs, CPU {cpu,8:0.0} µs  {sample}"));
        }

        return Task.FromResult(0);
    }

    /// <summary>Wall p50 and mean process CPU per run over 50 runs (after one warm-up run), in µs.</summary>
    private static (double Wall, double Cpu) Probe(ConsoleRuleQueryEngine engine, string expression, DateTimeOffset at)
    {
        const int Runs = 50;
        engine.EvaluateAsync(expression, at, CancellationToken.None).GetAwaiter().GetResult();
        var runs = new List<double>();
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        for (var r = 0; r < Runs; r++)
        {
            var watch = Stopwatch.StartNew();
            engine.EvaluateAsync(expression, at, CancellationToken.None).GetAwaiter().GetResult();
            runs.Add(watch.Elapsed.TotalMilliseconds * 1000);
        }

        process.Refresh();
        runs.Sort();
        return (Percentile(runs, 0.5), (process.TotalProcessorTime - cpu).TotalMilliseconds * 1000 / Runs);
    }

    private static (double Milliseconds, double CpuMilliseconds, long Bytes, int Firing) Cycle(ConsoleRuleQueryEngine engine, List<string> rules, DateTimeOffset at)
    {
        var firing = 0;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        foreach (var rule in rules)
        {
            // The engine completes synchronously; a rule scheduler would await it.
            firing += engine.EvaluateAsync(rule, at, CancellationToken.None).GetAwaiter().GetResult().Count;
        }

        var wall = watch.Elapsed.TotalMilliseconds;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu).TotalMilliseconds, GC.GetAllocatedBytesForCurrentThread() - allocated, firing);
    }

    /// <summary>Five kinds in turn per job; the last <paramref name="global"/> alternate the two fleet-wide kinds.</summary>
    private static List<string> Rules(int jobs, int count, int global)
    {
        var rules = new List<string>(count);
        for (var n = 0; rules.Count < count - global; n++)
        {
            var job = $"job-{n / 5 % jobs}";
            rules.Add((n % 5) switch
            {
                0 => $"sum by (job) (rate(http_requests_total{{job=\"{job}\", code=~\"5..\"}}[5m])) / sum by (job) (rate(http_requests_total{{job=\"{job}\"}}[5m])) > 0.05",
                1 => $"histogram_quantile(0.95, sum by (le, job) (rate(http_request_duration_seconds_bucket{{job=\"{job}\"}}[5m]))) > 2",
                2 => $"up{{job=\"{job}\"}} == 0",
                3 => $"absent(up{{job=\"{job}\", instance=~\".+\"}})",
                _ => $"increase(rpc_client_requests_total{{job=\"{job}\", code=\"503\"}}[10m]) > 100",
            });
        }

        for (var g = 0; g < global; g++)
        {
            rules.Add(g % 2 == 0
                ? $"sum by (job) (rate(http_requests_total{{code=~\"5..\"}}[5m])) / sum by (job) (rate(http_requests_total[5m])) > 0.0{5 + (g % 4)}"
                : $"histogram_quantile(0.9{5 + (g % 4)}, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m]))) > 2");
        }

        return rules;
    }

    /// <summary>One instance's scrape k: ~250 series; counters grow, some jobs are slow or erroring, one instance in 37 is down.</summary>
    private static byte[] Exposition(int job, int instance, int k)
    {
        var text = new StringBuilder(32 * 1024);
        var errorRate = job % 13 == 0 ? 0.08 : 0.01;
        foreach (var method in Methods)
        {
            foreach (var handler in Handlers)
            {
                foreach (var code in Codes)
                {
                    var share = code switch { "200" => 1 - errorRate, "404" => 0.02, "500" => errorRate * 0.7, _ => errorRate * 0.3 };
                    text.Append(CultureInfo.InvariantCulture, $"http_requests_total{{method=\"{method}\",handler=\"{handler}\",code=\"{code}\"}} {Math.Floor(k * 15 * 40 * share)}\n");
                }
            }
        }

        var slow = job % 17 == 0 ? 3.0 : 0.1;
        foreach (var handler in Handlers)
        {
            var requests = k * 15 * 40.0;
            for (var b = 0; b < Bounds.Length; b++)
            {
                var bound = b == Bounds.Length - 1 ? double.PositiveInfinity : double.Parse(Bounds[b], CultureInfo.InvariantCulture);
                text.Append(CultureInfo.InvariantCulture, $"http_request_duration_seconds_bucket{{handler=\"{handler}\",le=\"{Bounds[b]}\"}} {Math.Floor(requests * (1 - Math.Exp(-bound / slow)))}\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"http_request_duration_seconds_sum{{handler=\"{handler}\"}} {requests * slow}\n");
            text.Append(CultureInfo.InvariantCulture, $"http_request_duration_seconds_count{{handler=\"{handler}\"}} {requests}\n");
            for (var b = 0; b < QueryBounds.Length && handler != "/health"; b++)
            {
                var bound = b == QueryBounds.Length - 1 ? double.PositiveInfinity : double.Parse(QueryBounds[b], CultureInfo.InvariantCulture);
                text.Append(CultureInfo.InvariantCulture, $"db_query_duration_seconds_bucket{{query=\"{handler[5..]}\",le=\"{QueryBounds[b]}\"}} {Math.Floor(k * 300 * (1 - Math.Exp(-bound / 0.02)))}\n");
            }
        }

        for (var target = 0; target < 10; target++)
        {
            foreach (var code in new[] { "OK", "UNAVAILABLE", "DEADLINE_EXCEEDED" })
            {
                text.Append(CultureInfo.InvariantCulture, $"rpc_client_requests_total{{target_service=\"svc-{target}\",code=\"{(code == "UNAVAILABLE" ? "503" : code)}\"}} {k * (code == "OK" ? 600 : job % 11 == 0 ? 12 : 1)}\n");
            }
        }

        for (var q = 0; q < 5; q++)
        {
            text.Append(CultureInfo.InvariantCulture, $"queue_messages{{queue=\"q{q}\"}} {(k * 7 + q) % 50}\n");
        }

        foreach (var cache in new[] { "sessions", "catalog" })
        {
            foreach (var result in new[] { "hit", "miss" })
            {
                foreach (var tier in new[] { "l1", "l2", "l3", "l4" })
                {
                    text.Append(CultureInfo.InvariantCulture, $"cache_requests_total{{cache=\"{cache}\",result=\"{result}\",tier=\"{tier}\"}} {k * (result == "hit" ? 90 : 10)}\n");
                }
            }
        }

        foreach (var topic in new[] { "orders", "payments", "emails" })
        {
            for (var partition = 0; partition < 12; partition++)
            {
                text.Append(CultureInfo.InvariantCulture, $"kafka_consumer_lag{{topic=\"{topic}\",partition=\"{partition}\"}} {(k + partition) % 30}\n");
            }
        }

        foreach (var gauge in new[] { "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "go_goroutines", "go_threads", "dotnet_gc_heap_bytes", "dotnet_threadpool_threads", "process_start_time_seconds", "http_inflight_requests" })
        {
            text.Append(CultureInfo.InvariantCulture, $"{gauge} {k + job}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"up {(((job * 2) + instance) % 37 == 0 ? 0 : 1)}\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
