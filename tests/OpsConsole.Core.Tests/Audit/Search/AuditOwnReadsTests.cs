using System.Security.Claims;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Core.Tests.Audit.Search;

public sealed class AuditOwnReadsTests
{
    [Fact]
    public void Only_the_readers_own_searches_and_views_are_their_reads()
    {
        var alice = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, "u-alice"), new Claim(ClaimTypes.Name, "alice"), new Claim(ClaimTypes.Role, ConsoleRoles.Auditor)], "test"));
        var own = AuditOwnReads.Of(alice);

        Assert.True(own(Record("audit.searched", "user", "u-alice", "alice")));
        Assert.True(own(Record("audit.viewed", "user", "u-alice", "alice")));
        Assert.True(own(Record("audit.searched", "token", "u-alice", "alice"))); // through one of her API tokens
        Assert.False(own(Record("audit.searched", "user", "u-bob", "bob")));
        Assert.False(own(Record("audit.exported", "user", "u-alice", "alice"))); // an export is an act, not a glance
        Assert.False(own(Record("identity.user.disabled", "user", "u-alice", "alice")));
    }

    private static AuditRecordView Record(string action, string actorType, string actorId, string actorName) =>
        AuditFeedTests.Record(1) with { Action = action, ActorType = actorType, ActorId = actorId, ActorName = actorName };
}
