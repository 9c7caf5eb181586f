using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Core.Tests.Audit.Search;

public sealed class AuditReadAccessLogTests
{
    [Fact]
    public void A_read_is_recorded_once_per_caller_and_filter_within_the_window()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var log = new AuditReadAccessLog(clock);

        Assert.True(log.ShouldRecord("alice", "audit.searched", "{}"));
        Assert.False(log.ShouldRecord("alice", "audit.searched", "{}"));        // next page, live refresh
        Assert.True(log.ShouldRecord("bob", "audit.searched", "{}"));           // another caller
        Assert.True(log.ShouldRecord("alice", "audit.searched", "{\"a\":1}"));  // another filter
        Assert.True(log.ShouldRecord("alice", "audit.viewed", "{}"));           // another kind of read

        clock.Advance(AuditReadAccessLog.Window);
        Assert.True(log.ShouldRecord("alice", "audit.searched", "{}"));         // the window has passed

        log.Forget("alice", "audit.searched", "{}");                           // its record could not be written
        Assert.True(log.ShouldRecord("alice", "audit.searched", "{}"));
    }
}
