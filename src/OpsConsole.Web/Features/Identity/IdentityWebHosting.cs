using OpsConsole.Core.Identity;
using OpsConsole.Web.Api;
using OpsConsole.Web.Features.Identity.Account;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Features.Identity;

/// <summary>
/// Accounts, sign-in, sessions, API tokens and wall displays (Account, Users, Profile, Displays; /api/v1/users, /tokens,
/// /displays, /sessions): Core's identity, then how a request is authenticated (sign-in cookie, display cookie, API
/// token, and OpenID Connect when configured).
/// </summary>
public static class IdentityWebHosting
{
    public static WebApplicationBuilder AddIdentityWeb(this WebApplicationBuilder builder, string dataDirectory)
    {
        builder.RequireShell(nameof(AddIdentityWeb));
        builder.AddConsoleIdentity(dataDirectory);
        builder.AddConsoleAuthentication();
        builder.AddConsoleOidc();
        return builder;
    }

    public static IEndpointRouteBuilder MapIdentity(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapConsoleApiGroup();
        api.MapUserApi();
        api.MapTokenApi();
        api.MapDisplayApi();
        api.MapSessionApi();
        return endpoints;
    }
}
