using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Core.Tests.Audit.Search;

public sealed class AuditTargetNamesTests
{
    [Fact]
    public async Task A_page_is_named_with_one_lookup_per_target_type_and_unknown_ids_keep_no_name()
    {
        var users = new FakeSource("user", new() { ["u-1"] = "alice", ["u-2"] = "bob" });
        var displays = new FakeSource("display", new() { ["d-1"] = "lobby" });
        var names = new AuditTargetNames([users, displays]);
        AuditRecordView[] page =
        [
            Record(1, "user", "u-1"), Record(2, "user", "u-2"), Record(3, "user", "u-1"), Record(4, "user", "u-gone"),
            Record(5, "display", "d-1"), Record(6, "backup", "orders_db"), Record(7, "user", null),
        ];

        var named = await names.NameAsync(page);

        Assert.Equal(["alice", "bob", "alice", null, "lobby", null, null], named.Select(r => r.TargetName));
        Assert.Equal(page.Select(r => r.TargetId), named.Select(r => r.TargetId)); // the id is kept for the tooltip
        // One batched call per type on the page, each id once; none for a type without a source.
        Assert.Equal([["u-1", "u-2", "u-gone"]], users.Calls);
        Assert.Equal([["d-1"]], displays.Calls);
    }

    [Fact]
    public async Task A_page_without_named_types_asks_nothing()
    {
        var users = new FakeSource("user", []);
        var page = new[] { Record(1, "backup", "orders_db") };

        var named = await new AuditTargetNames([users]).NameAsync(page);

        Assert.Same(page, named);
        Assert.Empty(users.Calls);
    }

    private static AuditRecordView Record(long sequence, string targetType, string? targetId) =>
        AuditFeedTests.Record(sequence) with { TargetType = targetType, TargetId = targetId };

    private sealed class FakeSource(string type, Dictionary<string, string> names) : IAuditTargetNameSource
    {
        public List<List<string>> Calls { get; } = [];

        public string TargetType => type;

        public Task<IReadOnlyDictionary<string, string>> NamesAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
        {
            Calls.Add([.. ids]);
            return Task.FromResult<IReadOnlyDictionary<string, string>>(names.Where(n => ids.Contains(n.Key)).ToDictionary());
        }
    }
}
