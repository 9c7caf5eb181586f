using System.Security.Claims;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Core.Tests.Audit.Search;

public sealed class AuditQueryTests
{
    [Theory]
    [InlineData("from", "yesterday", null, null, null, null)]
    [InlineData("to", "2026-05-02T00:00:00Z", "2026-05-01T00:00:00Z", null, null, null)]
    [InlineData("to", "2026-05-01T00:00:00Z", "2026-05-01T00:00:00Z", null, null, null)]
    [InlineData("outcome", null, null, "maybe", null, null)]
    [InlineData("text", null, null, null, "ab", null)]
    [InlineData("text", null, null, null, "*--*", null)]
    [InlineData("action", null, null, null, null, "identity..user")]
    [InlineData("action", null, null, null, null, ".identity")]
    public void Bad_values_throw_naming_the_field(string field, string? from, string? to, string? outcome, string? text, string? action)
    {
        var ex = Assert.Throws<AuditQueryException>(() => AuditQuery.Parse(from: from, to: to, outcome: outcome, text: text, action: action));
        Assert.Equal(field, ex.Field);
        Assert.Contains($"'{field}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Paging_is_checked_cursor_positive_and_limit_within_the_cap()
    {
        Assert.Equal((null, AuditQuery.DefaultPageSize), AuditQuery.ParsePaging(null, null));
        Assert.Equal((42L, 200), AuditQuery.ParsePaging("42", "200"));
        Assert.Equal("limit", Assert.Throws<AuditQueryException>(() => AuditQuery.ParsePaging(null, "201")).Field);
        Assert.Equal("limit", Assert.Throws<AuditQueryException>(() => AuditQuery.ParsePaging(null, "0")).Field);
        Assert.Equal("limit", Assert.Throws<AuditQueryException>(() => AuditQuery.ParsePaging(null, "-5")).Field);
        Assert.Equal("cursor", Assert.Throws<AuditQueryException>(() => AuditQuery.ParsePaging("0", null)).Field);
        Assert.Equal("cursor", Assert.Throws<AuditQueryException>(() => AuditQuery.ParsePaging("abc", null)).Field);
    }

    [Fact]
    public void A_valid_query_is_normalized()
    {
        var q = AuditQuery.Parse(from: "2026-05-01T10:00", to: "2026-05-01T14:00:00+02:00", actor: "  alice ", actorMatch: "Prefix",
            action: "identity.user.", targetType: " ", outcome: "DENIED", text: " disk ");

        Assert.Equal(new DateTimeOffset(2026, 5, 1, 10, 0, 0, TimeSpan.Zero), q.From);
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero), q.To);
        Assert.Equal(TimeSpan.Zero, q.To!.Value.Offset);
        Assert.Equal("alice", q.Actor);
        Assert.Equal(ActorMatch.Prefix, q.ActorMatch);
        Assert.Equal("identity.user", q.ActionPrefix);
        Assert.Null(q.TargetType);
        Assert.Equal("denied", q.Outcome);
        Assert.Equal("disk", q.Text);
        Assert.False(q.IsEmpty);
        Assert.True(AuditQuery.Parse().IsEmpty);
    }

    [Fact]
    public void Equal_filters_have_equal_fingerprints_and_the_description_lists_only_set_fields()
    {
        var a = AuditQuery.Parse(actor: "bob", outcome: "failed");
        var b = new AuditQuery { Outcome = " Failed ", Actor = "bob " }.Normalize();
        Assert.Equal(a.Fingerprint(), b.Fingerprint());
        Assert.NotEqual(a.Fingerprint(), AuditQuery.Parse(actor: "bob").Fingerprint());
        Assert.Equal(["actor", "actorMatch", "outcome"], a.Describe().Keys);
        Assert.Equal("exact", a.Describe()["actorMatch"]);
    }

    [Theory]
    [InlineData("identity.user", "identity.user", true)]
    [InlineData("identity.user", "identity.user.created", true)]
    [InlineData("identity.user", "identity.users.access", false)]
    [InlineData("identity.user", "identity", false)]
    [InlineData("backups", "backups.run.started", true)]
    [InlineData("backups", "backupsx", false)]
    public void The_action_prefix_is_dotted(string prefix, string action, bool matches) =>
        Assert.Equal(matches, AuditQuery.ActionMatches(prefix, action));

    [Theory]
    [InlineData("identity.user.created", false)]
    [InlineData("access.forbidden", false)]
    [InlineData("audit.searched", false)]
    [InlineData("audit", false)]
    [InlineData("backups.run.started", true)]
    [InlineData("alerts.ack", true)]
    [InlineData("identityx.thing", true)]
    [InlineData("auditor.note", true)]
    public void Operational_means_not_identity_access_or_audit(string action, bool operational) =>
        Assert.Equal(operational, AuditVisibility.IsOperational(action));

    [Theory]
    [InlineData(ConsoleRoles.Admin, AuditScope.All)]
    [InlineData(ConsoleRoles.Auditor, AuditScope.All)]
    [InlineData(ConsoleRoles.Sre, AuditScope.Operational)]
    public void The_scope_follows_the_role(string role, AuditScope scope) =>
        Assert.Equal(scope, AuditVisibility.ScopeOf(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Role, role)], "test"))));

    [Fact]
    public void An_sre_and_an_auditor_together_see_everything_and_exports_follow_the_scope()
    {
        var both = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Role, ConsoleRoles.Sre), new Claim(ClaimTypes.Role, ConsoleRoles.Auditor)], "test"));
        Assert.Equal(AuditScope.All, AuditVisibility.ScopeOf(both));
        Assert.True(AuditVisibility.Covers(AuditScope.All, AuditScope.Operational));
        Assert.True(AuditVisibility.Covers(AuditScope.Operational, AuditScope.Operational));
        Assert.False(AuditVisibility.Covers(AuditScope.Operational, AuditScope.All));
    }
}
