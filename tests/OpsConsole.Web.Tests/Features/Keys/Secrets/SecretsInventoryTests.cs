using AngleSharp.Dom;
using MudBlazor;
using OpsConsole.Core.Keys.Secrets;
using OpsConsole.Web.Features.Keys;
using OpsConsole.Web.Features.Keys.Secrets;

namespace OpsConsole.Web.Tests.Features.Keys.Secrets;

public sealed class SecretsInventoryTests : KeysTestBed
{
    [Fact]
    public void Each_secret_shows_its_owner_where_it_lives_its_period_last_rotation_and_due_state()
    {
        var cut = RenderAs<SecretsInventory>(Vera);

        cut.WaitForAssertion(() => Assert.Equal(["shop-mail", "shop-payment", "shop-webhook"], cut.FindAll("[data-testid=secret-row]").Select(r => r.GetAttribute("data-secret"))), Timeout);
        var payment = Row(cut, "shop-payment");
        Assert.Equal("due_soon", payment.GetAttribute("data-state"));
        Assert.Equal("payments-team", Text(payment, "secret-owner"));
        Assert.Contains("env PAYMENT_API_KEY on sampleshop", Text(payment, "secret-location"), StringComparison.Ordinal);
        Assert.Equal("https://dashboard.stripe.com/apikeys", payment.QuerySelector("[data-testid=secret-url]")!.GetAttribute("href"));
        Assert.Equal("90d", Text(payment, "secret-period"));
        Assert.Contains("2026-09-18 12:00", Text(payment, "secret-last"), StringComparison.Ordinal); // T0 - 80 d, in the viewer's zone (UTC here)
        Assert.Equal("sam", Text(payment, "secret-last-by"));
        Assert.Contains("in 10 d 0 h", Text(payment, "secret-due"), StringComparison.Ordinal);
        Assert.Equal("due soon", Text(payment, "secret-state"));

        Assert.Equal("overdue", Text(Row(cut, "shop-mail"), "secret-state"));
        var webhook = Row(cut, "shop-webhook");
        Assert.Equal(("unknown", "needs a first record"), (webhook.GetAttribute("data-state"), Text(webhook, "secret-state")));
        Assert.Contains("never recorded", Text(webhook, "secret-last"), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_people_who_may_record_see_the_button()
    {
        Secrets.MayRecord = false;
        var viewer = RenderAs<SecretsInventory>(Vera);
        viewer.WaitForAssertion(() => Assert.Equal(3, viewer.FindAll("[data-testid=secret-row]").Count), Timeout);
        Assert.Empty(viewer.FindAll("[data-testid=secret-record]"));

        Secrets.MayRecord = true;
        var sre = RenderAs<SecretsInventory>(Sam);
        sre.WaitForAssertion(() => Assert.Equal(3, sre.FindAll("[data-testid=secret-record]").Count), Timeout);
    }

    [Fact]
    public void The_history_opens_under_its_row_newest_first()
    {
        Secrets.Add("shop-payment", FakeSecretCommands.T0.AddDays(-5), "ann", "CHG-2");
        var cut = RenderAs<SecretsInventory>(Vera);
        cut.WaitForAssertion(() => Assert.NotNull(Row(cut, "shop-payment").QuerySelector("[data-testid=secret-history-toggle]")), Timeout);
        Assert.Null(Row(cut, "shop-webhook").QuerySelector("[data-testid=secret-history-toggle]")); // nothing recorded: nothing to open
        Assert.Empty(cut.FindAll("[data-testid=secret-history]"));

        Row(cut, "shop-payment").QuerySelector("[data-testid=secret-history-toggle]")!.Click();

        var entries = cut.Find("[data-testid=secret-history][data-secret=shop-payment]").QuerySelectorAll("[data-testid=secret-history-entry]");
        Assert.Equal(2, entries.Length);
        Assert.Contains("ann", entries[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("CHG-2", entries[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("CHG-1", entries[1].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dialog_refuses_a_future_time_shows_the_services_refusal_on_its_field_then_records()
    {
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderAs<SecretsInventory>(Sam);
        await OpenRecordAsync(cut, dialogs, "shop-webhook");
        Assert.Equal("2026-12-07T12:00", dialogs.Find("[data-testid=secret-record-at-field] input").GetAttribute("value")); // now, in the viewer's zone

        dialogs.Find("[data-testid=secret-record-at-field] input").Change("2026-12-08T12:00");
        await dialogs.InvokeAsync(() => dialogs.Find("button[data-testid=secret-record-submit]").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("in the future", dialogs.Find("[data-testid=secret-record-at-field]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.Contains("mud-input-error", dialogs.Find("[data-testid=secret-record-at-field]").OuterHtml, StringComparison.Ordinal);
        Assert.Empty(Secrets.Records); // never asked the service

        Secrets.OnRecord = () => new SecretRequestException("note", "The note looks like it contains a key or password.");
        dialogs.Find("[data-testid=secret-record-at-field] input").Change("2026-12-06T09:30");
        dialogs.Find("[data-testid=secret-record-note-field] textarea").Change("sk_live_oops");
        await dialogs.InvokeAsync(() => dialogs.Find("button[data-testid=secret-record-submit]").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("looks like it contains a key", dialogs.Find("[data-testid=secret-record-note-field]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.DoesNotContain("mud-input-error", dialogs.Find("[data-testid=secret-record-at-field]").OuterHtml, StringComparison.Ordinal);

        Secrets.OnRecord = null;
        dialogs.Find("[data-testid=secret-record-note-field] textarea").Change("CHG-77");
        await dialogs.InvokeAsync(() => dialogs.Find("button[data-testid=secret-record-submit]").Click());

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=secret-record-dialog]")), Timeout);
        Assert.Equal(("shop-webhook", new DateTimeOffset(2026, 12, 6, 9, 30, 0, TimeSpan.Zero), "CHG-77"), (Secrets.Records[^1].Name, Secrets.Records[^1].RotatedAt!.Value, Secrets.Records[^1].Note));
        cut.WaitForAssertion(() => Assert.Equal("ok", Row(cut, "shop-webhook").GetAttribute("data-state")), Timeout);
        Assert.Contains("Rotation of shop-webhook recorded", cut.Find("[data-testid=secrets-recorded]").TextContent, StringComparison.Ordinal);
        Assert.Equal("sam", Text(Row(cut, "shop-webhook"), "secret-last-by"));
    }

    [Fact]
    public async Task A_rotation_recorded_elsewhere_shows_live_and_the_subscription_ends_with_the_section()
    {
        var cut = RenderAs<SecretsInventory>(Vera);
        cut.WaitForAssertion(() => Assert.Equal(1, Subscribers(SecretTopics.Changed.Name)), Timeout);
        Assert.Equal("unknown", Row(cut, "shop-webhook").GetAttribute("data-state"));

        Secrets.Add("shop-webhook", FakeSecretCommands.T0.AddHours(-1), "ann", null); // another instance's record
        Bus.Publish(SecretTopics.Changed, new SecretsChanged("shop-webhook"));

        cut.WaitForAssertion(() => Assert.Equal("ok", Row(cut, "shop-webhook").GetAttribute("data-state")), Timeout);
        Assert.Equal("ann", Text(Row(cut, "shop-webhook"), "secret-last-by"));

        await DisposeComponentsAsync();
        Assert.Equal(0, Subscribers(SecretTopics.Changed.Name));
    }

    [Fact]
    public void The_keys_page_includes_the_section()
    {
        var cut = RenderAs<KeysPage>(Vera);

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=secrets-section] [data-testid=secret-row]").Count), Timeout);
        Assert.Equal("external-secrets", cut.Find("[data-testid=secrets-section]").Id);
    }

    private static IElement Row(IRenderedComponent<SecretsInventory> cut, string secret) => cut.Find($"[data-testid=secret-row][data-secret={secret}]");

    private static string Text(IElement row, string testId) => row.QuerySelector($"[data-testid={testId}]")!.TextContent.Trim();

    private static async Task OpenRecordAsync(IRenderedComponent<SecretsInventory> cut, IRenderedComponent<MudDialogProvider> dialogs, string secret)
    {
        cut.WaitForAssertion(() => Assert.NotNull(Row(cut, secret).QuerySelector("[data-testid=secret-record]")), Timeout);
        await cut.InvokeAsync(() => Row(cut, secret).QuerySelector("button[data-testid=secret-record]")!.Click());
        dialogs.WaitForAssertion(() => Assert.NotNull(dialogs.Find("[data-testid=secret-record-dialog]")), Timeout);
    }
}
