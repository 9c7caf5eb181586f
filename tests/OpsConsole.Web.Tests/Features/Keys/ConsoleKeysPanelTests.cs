using MudBlazor;
using OpsConsole.Core.Audit;
using OpsConsole.Web.Features.Keys;

namespace OpsConsole.Web.Tests.Features.Keys;

public sealed class ConsoleKeysPanelTests : KeysTestBed
{
    [Fact]
    public void The_audit_key_and_data_protection_ring_are_shown_with_their_ages_and_what_earlier_keys_still_verify()
    {
        var cut = RenderAs<KeysPage>(Vera);

        cut.WaitForAssertion(() => Assert.Contains("audit-ke", cut.Find("[data-testid=audit-key-current]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.Contains("3 d 0 h ago", cut.Find("[data-testid=audit-key-current]").TextContent, StringComparison.Ordinal);
        Assert.Contains("4 signed by it; 180 by 1 earlier key(s)", cut.Find("[data-testid=audit-key-checkpoints]").TextContent, StringComparison.Ordinal);
        Assert.Contains("5f0c1a2b", cut.Find("[data-testid=data-protection-current]").TextContent, StringComparison.Ordinal);
        Assert.Contains("about 2027-02-23", cut.Find("[data-testid=data-protection-next]").TextContent, StringComparison.Ordinal); // two days before the current key expires
    }

    [Fact]
    public async Task Rotating_asks_first_then_starts_the_operation_and_a_viewer_gets_no_button()
    {
        Commands.MayRotate = false;
        var viewer = RenderAs<KeysPage>(Vera, null);
        viewer.WaitForAssertion(() => Assert.Single(viewer.FindAll("[data-testid=audit-key-card]")), Timeout);
        Assert.Empty(viewer.FindAll("[data-testid=audit-key-rotate]"));

        Commands.MayRotate = true;
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderAs<KeysPage>(Sam);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=audit-key-rotate]")), Timeout);
        var clicked = cut.InvokeAsync(() => cut.Find("[data-testid=audit-key-rotate]").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("every checkpoint it signed keeps verifying", dialogs.Markup, StringComparison.Ordinal), Timeout);
        Assert.Equal(0, ConsoleKeys.Rotations);
        var yes = dialogs.FindAll("button").First(b => b.TextContent.Contains("Rotate", StringComparison.Ordinal));
        await dialogs.InvokeAsync(() => yes.Click());
        await clicked;

        cut.WaitForAssertion(() => Assert.Contains("Rotate the audit checkpoint signing key", cut.Find("[data-testid=audit-key-started]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.Equal(1, ConsoleKeys.Rotations);
    }

    [Fact]
    public void A_rotation_on_another_instance_reloads_the_panel()
    {
        var cut = RenderAs<KeysPage>(Vera);
        cut.WaitForAssertion(() => Assert.Contains("4 signed by it", cut.Find("[data-testid=audit-key-checkpoints]").TextContent, StringComparison.Ordinal), Timeout);

        ConsoleKeys.View = ConsoleKeys.View with
        {
            AuditKeys = [new AuditSigningKeyInfo("audit-key-3", FakeKeyCommands.T0, 1, FakeKeyCommands.T0), .. ConsoleKeys.View.AuditKeys],
        };
        Bus.Publish(AuditSigningKeyStore.Rotated, "audit-key-3");

        cut.WaitForAssertion(() => Assert.Contains("1 signed by it; 184 by 2 earlier key(s)", cut.Find("[data-testid=audit-key-checkpoints]").TextContent, StringComparison.Ordinal), Timeout);
    }
}
