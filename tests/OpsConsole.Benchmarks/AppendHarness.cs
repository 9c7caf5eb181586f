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
/// each action in its own DbContext scope and transaction, with the real <see cref="AuditChainWriter"/> chaining
/// them; measured until everything is chained, then the whole chain is verified.
/// Options: --seconds N (default 20), --callers N (default 32).
/// </summary>
public sealed class AppendHarness : IHarness
{
    public string Name => "append";

    public string Description => "sustained audited actions/s through DatabaseAuditTrail with the real chain writer, until all are chained (goal >= 5,000/s)";

    public async Task<int> RunAsync(string[] args)
    {
        var seconds = VerifyHarness.Option(args, "--seconds", 20);
        var callers = VerifyHarness.Option(args, "--callers", 32);
        // --standalone: records outside an action's transaction (denials, sign-ins, reads), group-committed by the writer.
        var standalone = args.Contains("--standalone");
        Console.WriteLine(standalone
            ? "mode: standalone records, group-committed straight into the chain by the single writer"
            : "mode: each record inside its action's own transaction (inbox), chained by the writer afterwards");
        await using var database = await BenchDatabase.StartAsync();
        var dataDirectory = Directory.CreateTempSubdirectory("opsconsole-bench-spool-");

        // --async-commit (diagnostic only, not how the console runs): commits do not wait for the WAL flush, which
        // separates the cost of fsync from the rest of the path.
        var connections = args.Contains("--async-commit")
            ? database.Connections with { Runtime = new NpgsqlConnectionStringBuilder(database.Connections.Runtime) { Options = "-c synchronous_commit=off" }.ConnectionString }
            : database.Connections;
        Console.WriteLine($"synchronous_commit: {(args.Contains("--async-commit") ? "off (diagnostic)" : "on")}");
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
        await Task.WhenAll(workers);
        var submitting = clock.Elapsed;
        var expected = before + submitted;
        while (await HeadAsync(database.Connections.Owner) < expected)
        {
            await Task.Delay(20);
        }

        var chained = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        await writer.StopAsync(CancellationToken.None);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{callers} callers, {submitted:N0} audited actions committed in {submitting.TotalSeconds:0.0} s = {submitted / submitting.TotalSeconds:N0}/s; " +
            $"all chained after {chained.TotalSeconds:0.0} s = {submitted / chained.TotalSeconds:N0}/s sustained (chain lag at the end {(chained - submitting).TotalMilliseconds:N0} ms); " +
            $"client CPU {cpu.TotalMilliseconds * 1000 / Math.Max(1, submitted):N0} µs/action (callers + chain writer); load average {File.ReadAllText("/proc/loadavg")[..14]}"));

        using var verifier = new AuditVerifier(database.Connections, new LiveEventBus(), TimeProvider.System, NullLogger<AuditVerifier>.Instance);
        var result = await verifier.VerifyAsync();
        Console.WriteLine($"chain verified: {result.Summary}");
        var rate = submitted / chained.TotalSeconds;
        Console.WriteLine(rate >= 5000 ? "goal met: >= 5,000 audited actions/s" : "goal MISSED: < 5,000 audited actions/s");
        dataDirectory.Delete(recursive: true);
        return result.Ok && result.RecordsChecked == expected ? 0 : 1;
    }

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
