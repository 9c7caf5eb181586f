using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores;
using OpsConsole.IntegrationTests.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.IntegrationTests.Restores.Infrastructure;
using Xunit.Abstractions;

namespace OpsConsole.IntegrationTests.Restores;

/// <summary>
/// The faults a restore must survive with the target intact (issue 17), each with real processes: a killed pg_restore,
/// a crashed server, a full disk, a damaged backup file, a lock held during the swap; and a healthy restore measured by
/// a client connecting in a loop and by SampleShop serving requests. The managed databases live on a second cluster
/// (<see cref="ManagedCluster"/>) that can be crashed or filled; the console's own database is the shared one.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RestoreFaultTests(PostgresFixture postgres, ManagedClusterFixture clusters, ITestOutputHelper output)
    : IClassFixture<ManagedClusterFixture>, IAsyncLifetime
{
    private static readonly System.Security.Claims.ClaimsPrincipal Sre = TestPrincipals.Of("sre-sam", ConsoleRoles.Sre, "user-sam");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly List<string> _temporaryDirectories = [];
    private TestConsole? _console;
    private ManagedCluster _cluster = clusters.Cluster;
    private ManagedCluster? _tmpfsCluster;
    private LockAtLastCheckpoint? _lock;
    private int? _frozenPgRestore;
    private string? _pgBin;
    private string _live = "";
    private string _shop = "";

    private TestConsole Console => _console ?? throw new InvalidOperationException("Start the console first.");

    private string Maintenance => _cluster.ConnectionString("postgres");

    public Task InitializeAsync() => postgres.ResetSharedDatabaseAsync();

    public async Task DisposeAsync()
    {
        if (_frozenPgRestore is { } pid)
        {
            // A test that failed half-way leaves pg_restore stopped; let it run into its error instead.
            await ToolProcess.RunAsync("kill", ["-CONT", pid.ToString(CultureInfo.InvariantCulture)]);
        }

        if (_console is not null)
        {
            await _console.DisposeAsync();
        }

        if (_lock?.Holder is { } holder)
        {
            await holder.DisposeAsync();
        }

        if (!clusters.Cluster.IsRunning)
        {
            await clusters.Cluster.StartAgainAsync(); // the class's other tests use it
        }

        if (_tmpfsCluster is not null)
        {
            await _tmpfsCluster.DisposeAsync();
        }

        foreach (var directory in _temporaryDirectories)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_pg_restore_killed_mid_run_fails_the_restore_drops_the_copy_and_leaves_the_original_intact()
    {
        // The real pg_restore, SIGKILLed by its wrapper once it has created the tables and begun the first table's data.
        await StartAsync(pgBin: PgRestoreWrapper("kill -9 \"$me\""));
        var before = await BackedUpAndChangedAsync();

        var op = await RequestRestoreAsync();
        var done = await WaitForFinalAsync(op.Id);

        Assert.Equal(OperationState.Failed, done.State);
        Assert.Contains($"pg_restore into {_live}__restore_", done.Error, StringComparison.Ordinal);
        Assert.Contains("pg_restore was killed by signal 9 (SIGKILL)", done.Error, StringComparison.Ordinal);
        var restore = await AssertLeftIntactAsync(op.Id, before);
        Assert.NotNull(restore.PreRestoreBackupId); // the wrapper let pg_dump and the verification's --list through
        Assert.Contains(await LogAsync(op.Id), l => l.Text.StartsWith($"dropped {_live}__restore_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_stopped_mid_restore_fails_the_restore_and_once_it_is_back_the_janitor_drops_the_copy()
    {
        await StartAsync(pgBin: PgRestoreWrapper(FreezeAction));
        var before = await BackedUpAndChangedAsync();
        var op = await RequestRestoreAsync();
        await WaitForStepAsync(op.Id, "restoring");
        var frozen = await WaitForFrozenPgRestoreAsync();

        // pg_restore is connected and mid-way through its data when the server dies like a crash.
        await _cluster.StopImmediateAsync();
        await ResumeAsync(frozen);
        var done = await WaitForFinalAsync(op.Id);

        Assert.Equal(OperationState.Failed, done.State);
        Assert.Contains($"pg_restore into {_live}__restore_", done.Error, StringComparison.Ordinal);
        Assert.Contains("server closed the connection unexpectedly", done.Error, StringComparison.Ordinal);
        Assert.Contains(await LogAsync(op.Id), l => l.Level == OperationLogLevel.Error && l.Text.StartsWith($"could not drop {_live}__restore_", StringComparison.Ordinal));

        await _cluster.StartAgainAsync();
        var leftover = Assert.Single(await DatabasesOfAsync());
        Assert.StartsWith($"{_live}__restore_", leftover, StringComparison.Ordinal);
        await RunJanitorAsync($"dropped the leftover {leftover}");
        await AssertLeftIntactAsync(op.Id, before);
    }

    [Fact]
    public async Task A_disk_that_fills_up_during_the_restore_fails_it_with_disk_full_and_leaves_the_original_intact()
    {
        try
        {
            // 64 MB: the empty cluster (~22 MB) and a 5,000-row shop (~11 MB) leave room for the preflight's 1.2x.
            _tmpfsCluster = await ManagedCluster.StartOnTmpfsAsync(sizeMb: 64);
        }
        catch (InvalidOperationException ex)
        {
            Assert.Fail($"the disk-full restore test mounts a 64 MB tmpfs for a PostgreSQL cluster and needs root for it: {ex.Message}");
        }

        await StartAsync(cluster: _tmpfsCluster, rows: 5_000, pgBin: PgRestoreWrapper(FreezeAction));
        var before = await BackedUpAndChangedAsync();
        var plan = await PlanAsync();
        Assert.Contains(plan.Disk, d => d.Path == _tmpfsCluster.ClusterDirectory && d.FreeBytes > 0 && d.Enough);
        var op = await Restores(s => s.RequestAsync(Sre, "shop", plan.Id, "shop"));
        await WaitForStepAsync(op.Id, "restoring");
        var frozen = await WaitForFrozenPgRestoreAsync();

        // 1 MB left: pg_restore itself runs the disk full, part-way through the largest table's data.
        await _tmpfsCluster.FillDiskAsync(leaveBytes: 1024 * 1024);
        await ResumeAsync(frozen);
        var done = await WaitForFinalAsync(op.Id);

        Assert.Equal(OperationState.Failed, done.State);
        Assert.Contains($"pg_restore into {_live}__restore_", done.Error, StringComparison.Ordinal);
        Assert.Contains("disk full", done.Error, StringComparison.Ordinal);
        Assert.Contains("No space left on device", done.Error, StringComparison.Ordinal);
        // The copy was emptied before DROP DATABASE's checkpoint, which on the full disk would have PANICked the server.
        Assert.Contains(await LogAsync(op.Id), l => l.Text.StartsWith($"emptied {_live}__restore_", StringComparison.Ordinal));
        Assert.DoesNotContain("PANIC", await ReadSharedAsync(_tmpfsCluster.LogFile), StringComparison.Ordinal);
        // Checked with the filler still there: the original needs no space to be read.
        await AssertLeftIntactAsync(op.Id, before);
        _tmpfsCluster.FreeDisk();
    }

    [Fact]
    public async Task A_backup_file_damaged_after_its_verification_is_refused_at_the_check_before_anything_is_created()
    {
        await StartAsync();
        var before = await BackedUpAndChangedAsync();
        var backup = (await Backups(s => s.ListBackupsAsync(Sre, "shop"))).Items.Single();
        var path = Path.Combine(Console.DataDirectory, "backups", "shop", backup.FileName);
        var bytes = await File.ReadAllBytesAsync(path);
        for (var i = bytes.Length / 2; i < (bytes.Length / 2) + 16; i++)
        {
            bytes[i] ^= 0xFF;
        }

        await File.WriteAllBytesAsync(path, bytes);
        var databases = await AllDatabasesAsync();

        var op = await RequestRestoreAsync();
        var done = await WaitForFinalAsync(op.Id);

        Assert.Equal(OperationState.Failed, done.State);
        Assert.StartsWith($"checksum mismatch: {backup.FileName} has SHA-256 ", done.Error, StringComparison.Ordinal);
        Assert.Contains($"{backup.Sha256} was recorded when it was written; the file changed or is damaged", done.Error, StringComparison.Ordinal);
        Assert.StartsWith("step 1 of 6", done.Step, StringComparison.Ordinal);
        var restore = await AssertLeftIntactAsync(op.Id, before);
        Assert.Null(restore.PreRestoreBackupId);
        Assert.Null(restore.RestoredInto);
        Assert.Equal(databases, await AllDatabasesAsync());
        Assert.Equal([backup.Id], (await Backups(s => s.ListBackupsAsync(Sre, "shop"))).Items.Select(b => b.Id));
    }

    [Fact]
    public async Task A_client_holding_a_lock_during_the_swap_makes_it_wait_the_lock_timeout_then_abort_naming_the_holder()
    {
        // Taken at the last step before the swap (a checkpoint), so it is certainly held when the renames run.
        _lock = new LockAtLastCheckpoint(() => (Maintenance, _live));
        await StartAsync(
            settings: new() { ["Restores:SwapLockTimeout"] = "00:00:02" },
            services: s => s.AddSingleton<IRestoreCheckpoint>(_lock));
        var before = await BackedUpAndChangedAsync();

        var op = await RequestRestoreAsync();
        var done = await WaitForFinalAsync(op.Id);

        Assert.NotNull(_lock.Holder);
        Assert.Equal(OperationState.Failed, done.State);
        Assert.StartsWith("the swap was aborted and nothing was renamed: ", done.Error, StringComparison.Ordinal);
        Assert.Contains($"another session holds a lock on the database {_live} and the rename waited 2 s (Restores:SwapLockTimeout)", done.Error, StringComparison.Ordinal);
        Assert.Contains($"pid {_lock.Holder.BackendPid} ({LockHolder.ApplicationName}, user ", done.Error, StringComparison.Ordinal);
        Assert.EndsWith($"; {_live} accepts connections again", done.Error, StringComparison.Ordinal);
        var log = await LogAsync(op.Id);
        var cut = log.Single(l => l.Text == $"{_live} refuses new connections").At;
        var aborted = log.Single(l => l.Text.StartsWith("swap aborted: ", StringComparison.Ordinal)).At;
        Assert.InRange(aborted - cut, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
        Assert.StartsWith("step 5 of 6: swap", done.Step, StringComparison.Ordinal);
        var restore = await AssertLeftIntactAsync(op.Id, before);
        Assert.Null(restore.SetAside);
        Assert.Contains(log, l => l.Text == $"dropped {restore.RestoredInto}");
        // The holder's session was left alone: it was not a session of the database.
        Assert.Equal(1L, await ScalarAsync(Maintenance, $"SELECT count(*) FROM pg_stat_activity WHERE pid = {_lock.Holder.BackendPid}"));
    }

    [Fact]
    public async Task SampleShop_keeps_serving_requests_across_a_restore_with_at_most_the_measured_gap()
    {
        // SampleShop migrates and seeds its own database; the backup is of that state.
        _live = "sampleshop_" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync(Maintenance, $"CREATE DATABASE {_live}");
        _shop = _cluster.ConnectionString(_live);
        await using var shop = await SampleShopProcess.StartAsync(new NpgsqlConnectionStringBuilder(_shop) { Pooling = true }.ConnectionString);
        using var http = shop.CreateClient();
        var atBackup = await SnapshotAsync();
        await StartConsoleAsync(pgBin: null, settings: [], services: null);
        await WaitForFirstBackupAsync();
        using var placed = await http.PostAsJsonAsync(new Uri("/api/orders", UriKind.Relative), new { customerId = 7, items = new[] { new { productId = 2, quantity = 1 } } });
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var order = placed.Headers.Location!;
        Assert.NotEqual(atBackup.Checksum, (await SnapshotAsync()).Checksum);

        // Three clients connecting in a loop (a swap of a few ms easily falls between one client's attempts), and
        // SampleShop's own clients; from before the request until after the restore ended.
        var probes = Enumerable.Range(0, 3).Select(_ => ConnectionGapProbe.Start(_shop)).ToList();
        await using var requests = HttpLoop.Start(http, new Uri("/api/products", UriKind.Relative));
        try
        {
            foreach (var probe in probes)
            {
                await probe.WaitForSuccessesAsync(5, Timeout);
            }

            await requests.WaitForSuccessesAsync(5, Timeout);
            var op = await RequestRestoreAsync();
            var done = await WaitForFinalAsync(op.Id);
            Assert.True(done.State == OperationState.Succeeded, done.Error);
            foreach (var probe in probes)
            {
                await probe.WaitForSuccessesAsync(5, Timeout);
            }

            await requests.WaitForSuccessesAsync(5, Timeout);
            foreach (var probe in probes)
            {
                await probe.StopAsync();
            }

            await requests.StopAsync();
            var restore = (await Restores(s => s.GetAsync(Sre, op.Id)))!;
            var swap = TimeSpan.FromMilliseconds(restore.SwapMilliseconds!.Value);
            var gaps = probes.SelectMany(p => p.Gaps).ToList();
            var longest = probes.Max(p => p.LongestGap);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"swap recorded {swap.TotalMilliseconds:0.0} ms; probes: longest gap {longest.TotalMilliseconds:0.0} ms, {probes.Sum(p => p.Attempts)} attempts, {probes.Sum(p => p.Failures)} failed ({string.Join(" | ", gaps.Select(g => g.FirstError).Distinct())}); " +
                $"SampleShop: longest gap {requests.LongestGap.TotalMilliseconds:0.0} ms, {requests.Attempts} requests, {requests.Failures} failed"));
            Assert.True(longest < TimeSpan.FromSeconds(1), $"a probe could not connect for {longest}");
            Assert.True(requests.LongestGap < TimeSpan.FromSeconds(1), $"SampleShop failed requests for {requests.LongestGap}");
            Assert.InRange(swap, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1));
            // Consistent with the probes: each saw at most the one gap of the swap, no longer than the swap plus the
            // attempts on either side of it that a gap includes (a connection takes tens of ms on a busy 2-core machine).
            Assert.All(probes, p => Assert.True(p.Gaps.Count <= 1, string.Join("; ", p.Gaps)));
            Assert.All(gaps, g => Assert.False(g.StillOpen));
            Assert.True(longest <= swap + TimeSpan.FromMilliseconds(500), $"a probe saw a {longest} gap, the swap recorded {swap}");
        }
        finally
        {
            foreach (var probe in probes)
            {
                await probe.DisposeAsync();
            }
        }

        var after = await SnapshotAsync();
        Assert.Equal(atBackup.Counts, after.Counts);
        Assert.Equal(atBackup.Checksum, after.Checksum);
        using var gone = await http.GetAsync(order);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode); // placed after the backup: the restored shop has not seen it
        var products = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/products", UriKind.Relative));
        Assert.Equal(24, products.GetArrayLength());
    }

    // ---- the console and its managed database -------------------------------------------------------------------

    private const string FreezeAction = "echo \"$me\" > \"$dir/frozen.pid\"; kill -STOP \"$me\"";

    /// <summary>A managed database "shop" seeded with <see cref="SampleData"/> on <paramref name="cluster"/>, and a console managing it.</summary>
    private async Task StartAsync(
        ManagedCluster? cluster = null, int rows = 2_000, string? pgBin = null, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _cluster = cluster ?? clusters.Cluster;
        _live = "shop_" + Guid.NewGuid().ToString("N")[..8];
        _shop = await SampleData.CreateSeededDatabaseAsync(Maintenance, _live, rows);
        // Written out, as a database that has lived a while is: a fresh CREATE DATABASE leaves sparse files until the
        // next checkpoint, which would need that space back on the disk-full test's tmpfs.
        await ExecuteAsync(Maintenance, "CHECKPOINT");
        await StartConsoleAsync(pgBin, settings ?? [], services);
    }

    private async Task StartConsoleAsync(string? pgBin, Dictionary<string, string?> settings, Action<IServiceCollection>? services)
    {
        var all = new Dictionary<string, string?>
        {
            ["ManagedDatabases:shop:ConnectionString"] = _shop,
            ["ManagedDatabases:shop:Schedule"] = "0 0 1 1 *", // the start's catch-up takes the one backup
            ["Backups:SchedulerInterval"] = "00:00:01",
            ["Backups:ProbeInterval"] = "00:00:01",
            ["Operations:FlushInterval"] = "00:00:00.100",
            ["Restores:CleanupInterval"] = "01:00:00", // the tests run the janitor's rounds themselves
        };
        if (pgBin is not null)
        {
            all["Backups:PgBinDirectory"] = pgBin;
        }

        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        _console = await TestConsole.StartAsync(postgres.SharedConnectionString, all, services);
        await _console.WaitForReadinessAsync();
    }

    /// <summary>Waits for the first backup, then writes after it (so the original differs from any restored copy) and fingerprints the original.</summary>
    private async Task<Snapshot> BackedUpAndChangedAsync()
    {
        await WaitForFirstBackupAsync();
        await ExecuteAsync(_shop, "INSERT INTO public.settings VALUES ('written_after_the_backup', 'yes')");
        return await SnapshotAsync();
    }

    private async Task<Snapshot> SnapshotAsync() => new(await SampleData.RowCountsAsync(_shop), await SampleData.ChecksumAsync(_shop));

    private async Task<RestorePlanView> PlanAsync()
    {
        var plan = await Restores(s => s.PlanAsync(Sre, "shop", new RestorePlanRequest()));
        Assert.True(plan.Problems.Count == 0, string.Join("; ", plan.Problems));
        return plan;
    }

    private async Task<OperationView> RequestRestoreAsync()
    {
        var plan = await PlanAsync();
        return await Restores(s => s.RequestAsync(Sre, "shop", plan.Id, "shop"));
    }

    /// <summary>
    /// What every fault must leave: the restore failed with a reason and has ended; no operation is still active; no
    /// copy or set-aside database of the target exists; the original has the same rows and data and accepts connections.
    /// </summary>
    private async Task<RestoreView> AssertLeftIntactAsync(Guid id, Snapshot before)
    {
        foreach (var line in await LogAsync(id))
        {
            output.WriteLine($"{line.At:HH:mm:ss.fff} {line.Level} {line.Text}");
        }

        var restore = (await Restores(s => s.GetAsync(Sre, id)))!;
        Assert.Equal((RestorePhases.Failed, OperationState.Failed), (restore.Phase, restore.State));
        Assert.False(string.IsNullOrWhiteSpace(restore.Error));
        Assert.NotNull(restore.EndedAt);
        Assert.Null(restore.SwappedAt);
        Assert.Empty(await Operations(s => s.ListAsync(Sre, new OperationQuery(ActiveOnly: true))));
        Assert.Empty(await DatabasesOfAsync());
        Assert.True(await ScalarAsync(Maintenance, $"SELECT datallowconn FROM pg_database WHERE datname = '{_live}'") is true, $"{_live} refuses connections");
        Assert.Equal(1, await ScalarAsync(_shop, "SELECT 1"));
        var after = await SnapshotAsync();
        Assert.Equal(before.Counts, after.Counts);
        Assert.Equal(before.Checksum, after.Checksum);
        return restore;
    }

    /// <summary>The target's scratch and set-aside databases (<c>&lt;db&gt;__restore_*</c>, <c>__before_*</c>, <c>__drill_*</c>).</summary>
    private async Task<IReadOnlyList<string>> DatabasesOfAsync() =>
        [.. (await AllDatabasesAsync()).Where(d => d.StartsWith(_live + "__", StringComparison.Ordinal))];

    private async Task<IReadOnlyList<string>> AllDatabasesAsync()
    {
        await using var connection = new NpgsqlConnection(Maintenance);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database ORDER BY 1", connection);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>One janitor round must request the restore clean-up, which must succeed saying <paramref name="expected"/>.</summary>
    private async Task RunJanitorAsync(string expected)
    {
        Assert.Equal(1, await Console.Services.GetRequiredService<RestoreJanitor>().RoundAsync(CancellationToken.None));
        var cleanup = (await Operations(s => s.ListAsync(Sre, new OperationQuery(Kind: RestoreKinds.Cleanup)))).Single();
        var done = await WaitForFinalAsync(cleanup.Id);
        Assert.True(done.State == OperationState.Succeeded, done.Error);
        Assert.Contains(expected, done.Result, StringComparison.Ordinal);
    }

    private async Task WaitForFirstBackupAsync()
    {
        await AlertTesting.WaitUntilAsync(async () => (await Backups(s => s.ListBackupsAsync(Sre, "shop"))).Items.Any(b => b.Verified), "the first backup of shop", Timeout);
        // Listed before its operation ends (retention runs after): a restore requested now would meet a busy database.
        await AlertTesting.WaitUntilAsync(async () => (await Operations(s => s.ListAsync(Sre, new OperationQuery(ActiveOnly: true, Target: "database:shop")))).Count == 0,
            "the operations on shop to end", Timeout);
    }

    private async Task<OperationView> WaitForFinalAsync(Guid id)
    {
        OperationView? last = null;
        await AlertTesting.WaitUntilAsync(async () => (last = await Operations(s => s.GetAsync(Sre, id)))!.IsFinal, $"operation {id} to finish", Timeout);
        return last!;
    }

    /// <summary>Waits until the operation's step text contains <paramref name="text"/>; fails at once if it ends first.</summary>
    private async Task WaitForStepAsync(Guid id, string text)
    {
        OperationView? last = null;
        await AlertTesting.WaitUntilAsync(async () =>
        {
            last = await Operations(s => s.GetAsync(Sre, id));
            Assert.False(last!.IsFinal, $"the operation ended ({last.State}: {last.Error}) before its step said \"{text}\"");
            return last.Step?.Contains(text, StringComparison.Ordinal) == true;
        }, $"the step of operation {id} to say \"{text}\"", Timeout);
    }

    private Task<IReadOnlyList<OperationLogEntry>> LogAsync(Guid id) => Operations(s => s.ReadLogAsync(Sre, id));

    // ---- pg_restore wrappers --------------------------------------------------------------------------------------

    /// <summary>
    /// A PgBinDirectory whose pg_restore is the real one, except that a restore into a database (--dbname; not
    /// --version, not the verification's --list) runs <paramref name="action"/> when it prints its first "processing
    /// data for table" line: its tables exist and it is connected, copying data. <c>$me</c> is pg_restore's pid (the
    /// wrapper execs it), <c>$dir</c> this directory. pg_dump is the real one, so backups work.
    /// </summary>
    private string PgRestoreWrapper(string action)
    {
        var dir = Directory.CreateTempSubdirectory("opsconsole-restore-fault-").FullName;
        _temporaryDirectories.Add(dir);
        var real = PgClientTools.Locate();
        var script = Path.Combine(dir, "pg_restore");
        File.WriteAllText(script,
            $$"""
            #!/bin/bash
            case " $* " in *" --dbname="*) ;; *) exec '{{real.PgRestore}}' "$@" ;; esac
            me=$$
            dir='{{dir}}'
            exec 2> >(
              hit=
              while IFS= read -r line; do
                printf '%s\n' "$line" >&2
                if [ -z "$hit" ] && [[ "$line" == *'processing data for table'* ]]; then
                  hit=1
                  {{action}}
                fi
              done)
            exec '{{real.PgRestore}}' "$@"

            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(Path.Combine(dir, "pg_dump"), real.PgDump);
        _pgBin = dir;
        return dir;
    }

    /// <summary>The pid of the pg_restore the freeze wrapper stopped (SIGSTOP), once it is stopped.</summary>
    private async Task<int> WaitForFrozenPgRestoreAsync()
    {
        var pidFile = Path.Combine(_pgBin!, "frozen.pid");
        var pid = 0;
        await AlertTesting.WaitUntilAsync(
            () => Task.FromResult(File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out pid) && IsStopped(pid)),
            "pg_restore to be stopped at its first table's data", Timeout);
        _frozenPgRestore = pid;
        return pid;
    }

    private async Task ResumeAsync(int pid)
    {
        var (exit, _, error) = await ToolProcess.RunAsync("kill", ["-CONT", pid.ToString(CultureInfo.InvariantCulture)]);
        Assert.True(exit == 0, $"kill -CONT {pid}: {error}");
        _frozenPgRestore = null;
    }

    /// <summary>Whether the process is stopped by a signal (state T in /proc/pid/stat, after the parenthesised name).</summary>
    private static bool IsStopped(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[stat.LastIndexOf(')') + 2] == 'T';
        }
        catch (IOException)
        {
            return false;
        }
    }

    // ---- small helpers ---------------------------------------------------------------------------------------------

    private sealed record Snapshot(IReadOnlyDictionary<string, long> Counts, string Checksum);

    /// <summary>The last step before the swap, used to have a client hold a lock on the live database when the swap begins.</summary>
    private sealed class LockAtLastCheckpoint(Func<(string Maintenance, string Database)> target) : IRestoreCheckpoint
    {
        public LockHolder? Holder { get; private set; }

        public string Name => "a client takes a lock on the live database (test)";

        public async Task RunAsync(string database, string restoredConnectionString, IOperationContext context)
        {
            var (maintenance, live) = target();
            Holder = await LockHolder.HoldDatabaseAsync(maintenance, live, context.Cancellation);
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private Task<T> Restores<T>(Func<RestoreService, Task<T>> call) => ServiceAsync(call);

    private Task<T> Backups<T>(Func<BackupService, Task<T>> call) => ServiceAsync(call);

    private Task<T> Operations<T>(Func<OperationService, Task<T>> call) => ServiceAsync(call);

    private async Task<TResult> ServiceAsync<TService, TResult>(Func<TService, Task<TResult>> call) where TService : notnull
    {
        await using var scope = Console.Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService>());
    }

    /// <summary>
    /// SampleShop's clients: GET requests in a loop, recording the longest stretch in which they failed, measured like
    /// <see cref="ConnectionGapProbe"/> (from the last success before a failure to the first success after it).
    /// </summary>
    private sealed class HttpLoop : IAsyncDisposable
    {
        private static readonly TimeSpan Pacing = TimeSpan.FromMilliseconds(5); // pacing, not synchronization

        private readonly CancellationTokenSource _stop = new();
        private readonly Lock _sync = new();
        private Task _loop = Task.CompletedTask;
        private long _lastSuccess = Stopwatch.GetTimestamp();
        private bool _failing;
        private TimeSpan _longest;

        public int Attempts { get; private set; }

        public int Failures { get; private set; }

        public int Successes { get; private set; }

        public TimeSpan LongestGap
        {
            get
            {
                lock (_sync)
                {
                    return _longest;
                }
            }
        }

        public static HttpLoop Start(HttpClient http, Uri path)
        {
            var loop = new HttpLoop();
            loop._loop = Task.Run(() => loop.RunAsync(http, path));
            return loop;
        }

        public async Task WaitForSuccessesAsync(int count, TimeSpan timeout)
        {
            var target = Successes + count;
            await AlertTesting.WaitUntilAsync(() => Task.FromResult(Successes >= target || _loop.IsCompleted), $"{count} more successful SampleShop requests", timeout);
            Assert.True(Successes >= target, "the request loop stopped");
        }

        public async Task StopAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await _stop.CancelAsync();
            }

            await _loop;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }

        private async Task RunAsync(HttpClient http, Uri path)
        {
            while (!_stop.IsCancellationRequested)
            {
                bool ok;
                try
                {
                    using var response = await http.GetAsync(path, _stop.Token);
                    ok = response.IsSuccessStatusCode;
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }

                lock (_sync)
                {
                    Attempts++;
                    var now = Stopwatch.GetTimestamp();
                    if (ok)
                    {
                        Successes++;
                        if (_failing)
                        {
                            var gap = Stopwatch.GetElapsedTime(_lastSuccess, now);
                            _longest = gap > _longest ? gap : _longest;
                            _failing = false;
                        }

                        _lastSuccess = now;
                    }
                    else
                    {
                        Failures++;
                        _failing = true;
                    }
                }

                try
                {
                    await Task.Delay(Pacing, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
