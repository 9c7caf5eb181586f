using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Tests.Data;

public sealed class PostgresTextTests
{
    [Theory]
    [InlineData("plain text")]
    [InlineData("")]
    [InlineData("emoji \U0001F600 is a valid pair")]
    [InlineData("\uFFFD replacement character is fine")]
    public void Storable_text_has_no_problem(string value)
    {
        Assert.Null(PostgresText.Problem(value));
        Assert.Same(value, PostgresText.Storable(value));
    }

    // Lone surrogates are built in the test: xUnit's theory data serialization would replace them.
    [Theory]
    [InlineData("a{0}b", 0, "NUL")]
    [InlineData("{0}", 0, "NUL")]
    [InlineData("lone high {0} surrogate", 0xD800, "U+D800")]
    [InlineData("lone low {0} surrogate", 0xDC00, "U+DC00")]
    [InlineData("pair cut at the end {0}", 0xD83D, "U+D83D")]
    public void Text_postgres_refuses_is_named(string template, int character, string named)
    {
        var value = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, (char)character);
        Assert.Contains(named, PostgresText.Problem(value), StringComparison.Ordinal);
        var storable = PostgresText.Storable(value)!;
        Assert.Null(PostgresText.Problem(storable));
        Assert.Equal(value.Length, storable.Length);
        Assert.Contains(PostgresText.Replacement, storable);
    }

    [Fact]
    public void An_audit_record_is_never_refused_for_its_text_it_is_made_storable()
    {
        var entry = new AuditEntry(AuditActors.System, "alerts.note\0added", "alert", "a\0b", AuditOutcome.Succeeded,
            new Dictionary<string, string?> { ["note\0key"] = "x\ud800y", ["reason"] = "why\0" });
        var item = DatabaseAuditTrail.ToInboxItem(entry, new AuditContext { ClientIp = "10.0.0.1", UserAgent = "agent\0" }, DateTimeOffset.UnixEpoch);

        Assert.Equal("alerts.note\uFFFDadded", item.Action);
        Assert.Equal("a\uFFFDb", item.TargetId);
        Assert.Equal("why\uFFFD", item.Reason);
        Assert.Equal("agent\uFFFD", item.UserAgent);
        Assert.DoesNotContain("\\u0000", item.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("\\uD800", item.Details, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("note\uFFFDkey", System.Text.RegularExpressions.Regex.Unescape(item.Details), StringComparison.Ordinal);
    }

    [Fact]
    public void Truncating_an_audit_field_never_leaves_half_a_surrogate_pair()
    {
        var name = new string('a', 255) + "\U0001F600"; // the pair straddles the 256-character limit
        var entry = new AuditEntry(AuditActors.System, "backups.probe", "backup", name, AuditOutcome.Succeeded);
        var item = DatabaseAuditTrail.ToInboxItem(entry, null, DateTimeOffset.UnixEpoch);
        Assert.Equal(256, item.TargetId!.Length);
        Assert.Null(PostgresText.Problem(item.TargetId));
    }
}
