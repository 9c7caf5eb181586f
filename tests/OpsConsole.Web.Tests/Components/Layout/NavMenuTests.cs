using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor.Services;
using OpsConsole.Core.Access;
using OpsConsole.Web.Components.Layout;

namespace OpsConsole.Web.Tests.Components.Layout;

public sealed class NavMenuTests : BunitContext
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public NavMenuTests()
    {
        // The real named policies, not bunit's fake authorization: the menu must agree with what pages enforce.
        // bunit pre-registers a stand-in IAuthorizationService that AddAuthorizationCore's TryAdd would keep.
        Services.RemoveAll<IAuthorizationService>();
        Services.AddAuthorizationCore(o => o.AddConsolePolicies());
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public static TheoryData<string> Roles => [.. ConsoleRoles.All];

    [Theory]
    [MemberData(nameof(Roles))]
    public void Lists_exactly_the_areas_the_role_is_allowed(string role)
    {
        var expected = ConsoleAreas.All
            .Where(a => ConsolePolicies.Allows(a.Policy, [role]))
            .Select(a => a.Title)
            .ToList();
        Assert.NotEmpty(expected); // every role may at least sign in and see Overview

        var cut = RenderFor(SignedIn("someone", role));

        cut.WaitForAssertion(() => Assert.Equal(expected, VisibleAreas(cut)), Timeout);
    }

    [Theory]
    [InlineData(ConsoleRoles.Viewer, false)]
    [InlineData(ConsoleRoles.Display, false)]
    [InlineData(ConsoleRoles.Compliance, false)]
    [InlineData(ConsoleRoles.Auditor, false)]
    [InlineData(ConsoleRoles.OnCall, true)]
    [InlineData(ConsoleRoles.Sre, true)]
    [InlineData(ConsoleRoles.Admin, true)]
    public void Everyone_sees_Overview_and_only_operators_see_System(string role, bool seesSystem)
    {
        var cut = RenderFor(SignedIn("someone", role));

        cut.WaitForAssertion(() => Assert.Contains("Overview", VisibleAreas(cut)), Timeout);
        Assert.Equal(seesSystem, VisibleAreas(cut).Contains("System"));
    }

    [Fact]
    public void Uses_the_real_authorization_service()
    {
        var service = Services.GetRequiredService<IAuthorizationService>();

        Assert.IsAssignableFrom<DefaultAuthorizationService>(service);
    }

    [Fact]
    public void Links_point_at_the_area_pages()
    {
        var cut = RenderFor(SignedIn("ada", ConsoleRoles.Sre));

        cut.WaitForAssertion(() => Assert.Equal(12, cut.FindAll("a[href]").Count), Timeout);
        var hrefs = cut.FindAll("a[href]").Select(a => a.GetAttribute("href")).ToList();
        Assert.Contains("/", hrefs);
        Assert.Contains("/services", hrefs);
        Assert.Contains("/targets", hrefs);
        Assert.Contains("/explore", hrefs);
        Assert.Contains("/alerts", hrefs);
        Assert.Contains("/silences", hrefs);
        Assert.Contains("/rules", hrefs);
        Assert.Contains("/operations", hrefs);
        Assert.Contains("/databases", hrefs);
        Assert.Contains("/keys", hrefs);
        Assert.Contains("/audit", hrefs);
        Assert.Contains("/system", hrefs);
    }

    [Fact]
    public void A_user_with_several_roles_sees_the_union()
    {
        var cut = RenderFor(SignedIn("grace", ConsoleRoles.Viewer, ConsoleRoles.OnCall));

        cut.WaitForAssertion(() => Assert.Equal(["Overview", "Services", "Targets", "Explore", "Alerts", "Silences", "Rules", "Databases", "Operations", "Keys", "System"], VisibleAreas(cut)), Timeout);
    }

    [Fact]
    public void An_unknown_role_sees_nothing()
    {
        var cut = RenderFor(SignedIn("mallory", "Superuser"));

        AssertStaysEmpty(cut);
    }

    [Fact]
    public void Unauthenticated_user_sees_no_areas()
    {
        var cut = RenderFor(new ClaimsPrincipal(new ClaimsIdentity()));

        AssertStaysEmpty(cut);
    }

    [Fact]
    public void Role_claims_without_authentication_grant_nothing()
    {
        // No authenticationType: IsAuthenticated is false even though the claims name an all-powerful role.
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "eve"), new Claim(ClaimTypes.Role, ConsoleRoles.Admin)]);
        Assert.False(identity.IsAuthenticated);

        var cut = RenderFor(new ClaimsPrincipal(identity));

        AssertStaysEmpty(cut);
    }

    [Fact]
    public void Without_an_authentication_state_nothing_is_listed()
    {
        var cut = Render<NavMenu>();

        Assert.Empty(VisibleAreas(cut));
    }

    private static ClaimsPrincipal SignedIn(string name, params string[] roles)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name) };
        claims.AddRange(roles.Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType: "Test"));
    }

    private IRenderedComponent<NavMenu> RenderFor(ClaimsPrincipal user) =>
        Render<NavMenu>(p => p.AddCascadingValue(Task.FromResult(new AuthenticationState(user))));

    private static List<string> VisibleAreas(IRenderedComponent<NavMenu> cut) =>
        [.. cut.FindAll("[data-area]").Select(e => e.GetAttribute("data-area") ?? "")];

    private static void AssertStaysEmpty(IRenderedComponent<NavMenu> cut)
    {
        // The menu itself renders (so the empty list is not just a failed render) and stays empty once settled.
        Assert.NotNull(cut.Find("[data-testid=nav]"));
        Assert.Empty(VisibleAreas(cut));
        Assert.Empty(cut.FindAll("a[href]"));
    }
}
