using Npgsql;
using OpsConsole.Core.Audit;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>Reads the audit log straight from PostgreSQL (as the superuser), waiting on conditions with a timeout.</summary>
public static class AuditLog
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<AuditRecord> WaitForAsync(string connectionString, string where) =>
        (await WaitForCountAsync(connectionString, where, 1))[^1];

    /// <summary>Waits until at least <paramref name="count"/> records match; returns them in sequence order.</summary>
    public static async Task<IReadOnlyList<AuditRecord>> WaitForCountAsync(string connectionString, string where, int count)
    {
        using var cts = new CancellationTokenSource(Timeout);
        IReadOnlyList<AuditRecord> found = [];
        while (!cts.IsCancellationRequested)
        {
            found = await ReadAsync(connectionString, where);
            if (found.Count >= count)
            {
                return found;
            }

            await Task.Delay(50, CancellationToken.None);
        }

        Assert.Fail($"expected {count} audit record(s) where {where} within {Timeout.TotalSeconds} s; found {found.Count}");
        return found;
    }

    public static async Task<IReadOnlyList<AuditRecord>> ReadAsync(string connectionString, string where = "TRUE")
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT sequence, previous_hash, hash, {AuditChainWriter.FieldColumns} FROM console.audit_log WHERE {where} ORDER BY sequence", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var records = new List<AuditRecord>();
        while (await reader.ReadAsync())
        {
            var fields = AuditChainWriter.ReadFields(reader, 3);
            var record = AuditChainWriter.ToRecord(fields, reader.GetInt64(0), (byte[])reader[1]);
            record.Hash = (byte[])reader[2]; // as stored, not as recomputed
            records.Add(record);
        }

        return records;
    }

    /// <summary>Recomputes the whole chain from sequence 1; returns how many records it checked.</summary>
    public static async Task<int> AssertChainIntactAsync(string connectionString)
    {
        var records = await ReadAsync(connectionString);
        var previous = new byte[AuditCanonical.HashLength];
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            Assert.Equal(i + 1, record.Sequence);
            Assert.Equal(Convert.ToHexString(previous), Convert.ToHexString(record.PreviousHash));
            Assert.Equal(Convert.ToHexString(AuditCanonical.Hash(record.Sequence, previous, record)), Convert.ToHexString(record.Hash));
            previous = record.Hash;
        }

        return records.Count;
    }
}
