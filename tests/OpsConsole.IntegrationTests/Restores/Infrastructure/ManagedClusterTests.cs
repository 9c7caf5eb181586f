using System.Diagnostics;
using Npgsql;

namespace OpsConsole.IntegrationTests.Restores.Infrastructure;

/// <summary>One plain managed cluster for the class; every test leaves it running.</summary>
public sealed class ManagedClusterFixture : IAsyncLifetime
{
    public ManagedCluster Cluster { get; private set; } = default!;

    public async Task InitializeAsync() => Cluster = await ManagedCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public sealed class ManagedClusterTests(ManagedClusterFixture fixture) : IClassFixture<ManagedClusterFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ManagedCluster cluster = fixture.Cluster;

    [Fact]
    public async Task Stopping_immediately_and_starting_again_keeps_the_data_on_the_same_port()
    {
        var shop = await SampleData.CreateSeededDatabaseAsync(cluster.ConnectionString("postgres"), "crash_shop", rows: 2_000);
        // Committed just before the crash, so only WAL replay can bring it back (no checkpoint in an immediate stop).
        await ExecuteAsync(shop, "INSERT INTO public.settings VALUES ('written_before_crash', 'yes')");
        var counts = await SampleData.RowCountsAsync(shop);
        var checksum = await SampleData.ChecksumAsync(shop);
        var port = cluster.Port;

        await cluster.StopImmediateAsync();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ExecuteAsync(shop, "SELECT 1"));
        var logBefore = new FileInfo(cluster.LogFile).Length;
        await cluster.StartAgainAsync();

        Assert.Equal(port, cluster.Port);
        Assert.Contains("not properly shut down; automatic recovery in progress", await ReadSharedAsync(cluster.LogFile, logBefore), StringComparison.Ordinal);
        Assert.Equal(counts, await SampleData.RowCountsAsync(shop));
        Assert.Equal(checksum, await SampleData.ChecksumAsync(shop));
        Assert.Equal(2_000, counts["sales.orders"]);
        Assert.Equal(6_000, counts["sales.order_lines"]);
        Assert.Equal(4, counts["public.settings"]);
    }

    [Fact]
    public async Task The_checksum_sees_a_changed_value()
    {
        var shop = await SampleData.CreateSeededDatabaseAsync(cluster.ConnectionString("postgres"), "checksum_shop", rows: 100);
        var before = await SampleData.ChecksumAsync(shop);

        await ExecuteAsync(shop, "UPDATE sales.order_lines SET quantity = quantity + 1 WHERE order_id = 50 AND line_no = 2");

        var after = await SampleData.ChecksumAsync(shop);
        Assert.NotEqual(before, after);
        Assert.Equal(
            ["sales.order_lines"],
            before.Split('\n').Zip(after.Split('\n')).Where(p => p.First != p.Second).Select(p => p.First.Split('=')[0]));
    }

    [Fact]
    public async Task The_gap_probe_sees_no_gap_while_the_cluster_is_up()
    {
        await using var probe = ConnectionGapProbe.Start(cluster.ConnectionString("postgres"));

        await probe.WaitForSuccessesAsync(30, Timeout);
        await probe.StopAsync();

        Assert.True(probe.Failures == 0, $"{probe.Failures} failures, last: {probe.LastError}");
        Assert.Equal(TimeSpan.Zero, probe.LongestGap);
        Assert.Empty(probe.Gaps);
        Assert.True(probe.Attempts >= 30);
    }

    [Fact]
    public async Task The_gap_probe_records_a_gap_at_least_as_long_as_the_downtime()
    {
        await using var probe = ConnectionGapProbe.Start(cluster.ConnectionString("postgres"));
        await probe.WaitForSuccessesAsync(5, Timeout);

        await cluster.StopImmediateAsync();
        // Certainly down from here until StartAgainAsync begins: a lower bound of what clients saw.
        var down = Stopwatch.StartNew();
        await probe.WaitForFailuresAsync(3, Timeout);
        var downtime = down.Elapsed;
        await cluster.StartAgainAsync();
        await probe.WaitForSuccessesAsync(5, Timeout);
        await probe.StopAsync();

        var gap = Assert.Single(probe.Gaps);
        Assert.False(gap.StillOpen);
        Assert.True(probe.Failures >= 3, $"{probe.Failures} failures");
        Assert.Equal(probe.Failures, gap.FailedAttempts);
        Assert.True(probe.LongestGap >= downtime, $"longest gap {probe.LongestGap} < measured downtime {downtime}");
        Assert.Equal(gap.Length, probe.LongestGap);
    }

    [Fact]
    public async Task The_lock_holder_makes_a_rename_time_out_with_55P03_until_it_is_released()
    {
        var admin = cluster.ConnectionString("postgres");
        await ExecuteAsync(admin, "CREATE DATABASE locked_shop");
        const string Rename = "SET lock_timeout = '500ms'; ALTER DATABASE locked_shop RENAME TO locked_shop_renamed";

        var holder = await LockHolder.HoldDatabaseAsync(admin, "locked_shop");
        var timedOut = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(admin, Rename));
        await holder.DisposeAsync();
        await ExecuteAsync(admin, Rename);

        Assert.Equal(PostgresErrorCodes.LockNotAvailable, timedOut.SqlState);
        Assert.Equal("55P03", timedOut.SqlState);
        Assert.Equal(1L, await ScalarAsync(admin, "SELECT count(*) FROM pg_database WHERE datname = 'locked_shop_renamed'"));
    }

    [Fact]
    public async Task A_tmpfs_cluster_reports_disk_full_when_filled_and_recovers_when_freed()
    {
        await using var small = await ManagedCluster.StartOnTmpfsAsync(sizeMb: 48);
        var shop = await SampleData.CreateSeededDatabaseAsync(small.ConnectionString("postgres"), "small_shop", rows: 500);
        var checksum = await SampleData.ChecksumAsync(shop);
        const string Grow = "INSERT INTO sales.order_lines SELECT order_id, line_no + 10, sku, quantity, unit_price, repeat(note, 20) FROM sales.order_lines";

        await small.FillDiskAsync(leaveBytes: 0);
        var full = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(shop, Grow));
        small.FreeDisk();

        Assert.Equal(PostgresErrorCodes.DiskFull, full.SqlState);
        Assert.Equal("53100", full.SqlState);
        Assert.Equal(checksum, await SampleData.ChecksumAsync(shop));
        Assert.True(small.FreeBytes() > 10 * 1024 * 1024, $"{small.FreeBytes()} bytes free after FreeDisk");
        await ExecuteAsync(shop, Grow);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<string> ReadSharedAsync(string path, long from)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(from, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
