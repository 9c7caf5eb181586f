using System.Diagnostics;
using System.Globalization;
using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Benchmarks;

/// <summary>
/// Sustained audited actions per second through the real <see cref="DatabaseAuditTrail"/>: many concurrent callers,
/// each action in its own DI scope (as a request or a page event has), with the real <see cref="AuditChainWriter"/>
/// chaining them. Every second the number of records committed to the chain is sampled; the run ends when everything
/// submitted is chained, and then the verifier checks the whole chain it wrote.
/// Options: --seconds N (default 60), --callers N (default 32), --standalone (records outside an action's
/// transaction, group-committed by the one writer: the goal's "batched under one writer"; otherwise each record is
/// written in its action's own database transaction and chained afterwards), --async-commit (diagnostic).
/// </summary>
public sealed class AppendHarness : IHarness
{
    public const int Goal = 5000;

    public string Name => "append";

    public string Description => "sustained audited actions/s through DatabaseAuditTrail with the real chain writer, per-second rates, chain verified (goal >= 5,000/s)";

    public async Task<int> RunAsync(string[] args)
    {
        var seconds = VerifyHarness.Option(args, "--seconds", 60);
        var callers = VerifyHarness.Option(args, "--callers", 32);
        var standalone = args.Contains("--standalone");
        Console.WriteLine(standalone
            ? "mode: standalone records (denials, sign-ins, reads), group-committed straight into the chain by the single writer"
            : "mode: each record inside its action's own database transaction (inbox), chained by the single writer afterwards");
        await using var database = await BenchDatabase.StartAsync();
        var dataDirectory = Directory.CreateTempSubdirectory("opsconsole-bench-spool-");

        // --async-commit (diagnostic only, not how the console runs): commits do not wait for the WAL flush, which
        // separates the cost of fsync from the rest of the path.
        var connections = args.Contains("--async-commit")
            ? database.Connections with { Runtime = new NpgsqlConnectionStringBuilder(database.Connections.Runtime) { Options = "-c synchronous_commit=off" }.ConnectionString }
            : database.Connections;
        Console.WriteLine($"synchronous_commit: {(args.Contains("--async-commit") ? "off (diagnostic)" : "on")}; {Environment.ProcessorCount} cores; load average before {LoadAverage()}");
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(connections);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ILiveEvents>(new LiveEventBus());
        services.AddDbContext<ConsoleDbContext>(o => ConsoleDatabase.Configure(o, connections.Runtime));
        services.AddScoped<AuditContext>();
        services.AddSingleton(sp => new AuditSpool(dataDirectory.FullName, 100_000, NullLogger<AuditSpool>.Instance));
        services.AddSingleton<AuditChainWriter>();
        services.AddScoped<IAuditTrail, DatabaseAuditTrail>();
        await using var provider = services.BuildServiceProvider();
        var writer = provider.GetRequiredService<AuditChainWriter>();
        await writer.StartAsync(CancellationToken.None);

        var actor = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "bench"), new Claim(ClaimTypes.NameIdentifier, Guid.NewGuid().ToString()), new Claim(ClaimTypes.Role, "Sre")], "bench"));
        await WarmUpAsync(provider, actor);
        await writer.DrainAsync(CancellationToken.None);
        var before = await HeadAsync(database.Connections.Owner);

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var serverBefore = database.ServerCpuSeconds();
        var appendedBefore = writer.Appended;
        var batchesBefore = writer.Batches;
        long submitted = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, callers).Select(worker => Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                await ActAsync(provider, actor, worker, n++, standalone);
                Interlocked.Increment(ref submitted);
            }
        })).ToArray();

        // Per-second rate of records committed to the chain, on a dedicated thread so that a busy pool cannot skew it.
        var perSecond = new List<long>();
        var sampler = new Thread(() =>
        {
            var last = writer.Appended;
            var next = TimeSpan.FromSeconds(1);
            while (next <= TimeSpan.FromSeconds(seconds))
            {
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    Thread.Sleep(wait);
                }

                var now = writer.Appended;
                perSecond.Add(now - last);
                last = now;
                next += TimeSpan.FromSeconds(1);
            }
        }) { IsBackground = true, Name = "append rate sampler" };
        sampler.Start();
        await Task.WhenAll(workers);
        var submitting = clock.Elapsed;
        var expected = before + submitted;
        await writer.DrainAsync(CancellationToken.None);
        while (await HeadAsync(database.Connections.Owner) < expected)
        {
            await writer.DrainAsync(CancellationToken.None);
        }

        var chained = clock.Elapsed;
        sampler.Join();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var server = database.ServerCpuSeconds() - serverBefore;
        var appended = writer.Appended - appendedBefore;
        var batches = writer.Batches - batchesBefore;
        await writer.StopAsync(CancellationToken.None);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{callers} callers, {submitted:N0} audited actions committed in {submitting.TotalSeconds:0.0} s = {submitted / submitting.TotalSeconds:N0}/s; " +
            $"all chained after {chained.TotalSeconds:0.0} s = {submitted / chained.TotalSeconds:N0}/s sustained (chain lag at the end {(chained - submitting).TotalMilliseconds:N0} ms); " +
            $"{appended:N0} records appended by the writer in {batches:N0} batches ({(double)appended / Math.Max(1, batches):0.0} per batch)"));
        var full = perSecond.Count > 2 ? perSecond.Skip(1).ToList() : perSecond; // the first second includes ramp-up
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"chained per second over {full.Count} s (first second left out): mean {full.Average():N0}, min {full.Min():N0}, max {full.Max():N0}; seconds below {Goal:N0}: {full.Count(r => r < Goal)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CPU per action: client {cpu.TotalMicroseconds / Math.Max(1, submitted):N0} µs (callers + chain writer), PostgreSQL {server * 1e6 / Math.Max(1, submitted):N0} µs; load average after {LoadAverage()}"));

        using var verifier = new AuditVerifier(database.Connections, new LiveEventBus(), TimeProvider.System, NullLogger<AuditVerifier>.Instance);
        var result = await verifier.VerifyAsync();
        var complete = result.Ok && result.RecordsChecked == expected;
        Console.WriteLine($"chain verified: {result.Summary}{(complete ? "" : string.Create(CultureInfo.InvariantCulture, $" (expected {expected:N0} records)"))}");
        var rate = submitted / chained.TotalSeconds;
        Console.WriteLine(rate >= Goal && complete
            ? string.Create(CultureInfo.InvariantCulture, $"goal met: {rate:N0} >= {Goal:N0} audited actions/s sustained, chain intact")
            : string.Create(CultureInfo.InvariantCulture, $"goal MISSED: {rate:N0} audited actions/s{(complete ? "" : ", chain NOT intact")}"));
        dataDirectory.Delete(recursive: true);
        return complete ? 0 : 1;
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg")[..14].Trim();

    /// <summary>One audited action: its own scope, DbContext and transaction, as a Core service does it.</summary>
    private static async Task ActAsync(IServiceProvider provider, ClaimsPrincipal actor, int worker, int n, bool standalone)
    {
        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
        var entry = new AuditEntry(
            actor, "bench.action", "bench", $"{worker}-{n}", AuditOutcome.Succeeded,
            new Dictionary<string, string?> { ["worker"] = worker.ToString(CultureInfo.InvariantCulture), ["n"] = n.ToString(CultureInfo.InvariantCulture) });
        if (standalone)
        {
            await audit.RecordAsync(entry);
        }
        else
        {
            await AuditedTransaction.RunAsync(db, () => audit.RecordAsync(entry));
        }
    }

    private static async Task WarmUpAsync(IServiceProvider provider, ClaimsPrincipal actor)
    {
        for (var i = 0; i < 200; i++)
        {
            await ActAsync(provider, actor, -1, i, standalone: false);
        }
    }

    private static async Task<long> HeadAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT last_sequence FROM console.audit_chain_head WHERE id = 1", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
