using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpsConsole.TestOidcProvider;

/// <summary>A person known to the provider; <see cref="Groups"/> is what the provider puts in the "groups" claim.</summary>
public sealed record ProviderUser(string Subject, string UserName, string Password, string DisplayName, IReadOnlyList<string> Groups);

/// <summary>
/// A minimal but real OpenID Connect provider (OpenIddict) on a free loopback port: discovery, JWKS, the
/// authorization-code flow behind its own sign-in form and session cookie, and the password grant so a test can
/// obtain a user's access token directly. Users and their groups can change while it runs, like a real directory.
/// </summary>
public sealed class LocalOidcProvider : IAsyncDisposable
{
    public const string GroupsClaim = "groups";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ProviderUser> _users = new(StringComparer.OrdinalIgnoreCase);

    private LocalOidcProvider(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The issuer, with a trailing slash, as the discovery document states it.</summary>
    public Uri Issuer { get; private set; } = default!;

    public Uri MetadataAddress => new(Issuer, ".well-known/openid-configuration");

    public static async Task<LocalOidcProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var databaseName = "oidc-" + Guid.NewGuid().ToString("N");
        builder.Services.AddDbContext<ProviderDbContext>(options =>
        {
            options.UseInMemoryDatabase(databaseName);
            options.UseOpenIddict();
        });
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = "test-idp.session";
                options.LoginPath = "/login";
            });
        builder.Services.AddOpenIddict()
            .AddCore(options => options.UseEntityFrameworkCore().UseDbContext<ProviderDbContext>())
            .AddServer(options =>
            {
                options.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token");
                options.AllowAuthorizationCodeFlow().AllowPasswordFlow();
                options.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess);
                options.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
                // Resource servers (the console's web API) validate access tokens as plain signed JWTs.
                options.DisableAccessTokenEncryption();
                options.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .DisableTransportSecurityRequirement();
            });
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        var provider = new LocalOidcProvider(app);
        provider.MapEndpoints();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        provider.Issuer = new Uri(address, "/");
        return provider;
    }

    /// <summary>Adds or replaces a user (e.g. to change their groups at the provider).</summary>
    public void SetUser(ProviderUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        _users[user.UserName] = user;
    }

    /// <summary>Registers a confidential client whose redirect URI is the console's callback.</summary>
    public async Task RegisterClientAsync(string clientId, string clientSecret, Uri redirectUri)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        await manager.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = clientSecret,
            ClientType = ClientTypes.Confidential,
            RedirectUris = { redirectUri },
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.Password,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile,
                Permissions.Scopes.Email,
                Permissions.Prefixes.Scope + Scopes.OfflineAccess,
            },
        });
    }

    /// <summary>Obtains an access token for a user with the password grant (what a script would get from the provider).</summary>
    public async Task<string> GetAccessTokenAsync(string clientId, string clientSecret, string userName, string password)
    {
        using var http = new HttpClient { BaseAddress = Issuer };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.Password,
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
            ["username"] = userName,
            ["password"] = password,
            ["scope"] = "openid profile",
        });
        using var response = await http.PostAsync(new Uri("connect/token", UriKind.Relative), form);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Token request failed: {(int)response.StatusCode} {body}");
        }

        using var json = System.Text.Json.JsonDocument.Parse(body);
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    private void MapEndpoints()
    {
        _app.MapGet("/favicon.ico", () => Results.NoContent()); // browsers ask; a 404 would show as a console error
        _app.MapGet("/login", (string? returnUrl) => Results.Content(LoginForm(returnUrl, error: null), "text/html"));
        _app.MapPost("/login", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            var returnUrl = form["returnUrl"].ToString();
            if (!_users.TryGetValue(form["username"].ToString(), out var user) || user.Password != form["password"].ToString())
            {
                return Results.Content(LoginForm(returnUrl, "Unknown user or wrong password."), "text/html", statusCode: 401);
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user.UserName)], CookieAuthenticationDefaults.AuthenticationScheme);
            await context.SignInAsync(new ClaimsPrincipal(identity));
            return Results.Redirect(returnUrl.StartsWith('/') ? returnUrl : "/");
        }).DisableAntiforgery();

        _app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], async (HttpContext context) =>
        {
            var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
            var session = await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (!session.Succeeded || !_users.TryGetValue(session.Principal.Identity?.Name ?? "", out var user))
            {
                return Results.Challenge(new AuthenticationProperties { RedirectUri = context.Request.PathBase + context.Request.Path + context.Request.QueryString });
            }

            return SignInAs(user, request);
        });

        _app.MapPost("/connect/token", async (HttpContext context) =>
        {
            var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
            if (request.IsAuthorizationCodeGrantType())
            {
                // Groups are re-read at redemption too, so the tokens reflect the directory as it is now.
                var code = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
                var userName = code.Principal?.GetClaim(Claims.PreferredUsername) ?? "";
                return _users.TryGetValue(userName, out var codeUser) ? SignInAs(codeUser, request) : Forbid("The user no longer exists.");
            }

            if (request.IsPasswordGrantType())
            {
                return _users.TryGetValue(request.Username ?? "", out var user) && user.Password == request.Password
                    ? SignInAs(user, request)
                    : Forbid("Unknown user or wrong password.");
            }

            return Forbid("Unsupported grant type.");
        });
    }

    private static IResult SignInAs(ProviderUser user, OpenIddictRequest request)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Subject)
            .SetClaim(Claims.Name, user.DisplayName)
            .SetClaim(Claims.PreferredUsername, user.UserName)
            .SetClaims(GroupsClaim, [.. user.Groups]);
        identity.SetScopes(request.GetScopes());
        identity.SetResources(request.ClientId ?? "");
        identity.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Forbid(string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidGrant,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    private static string LoginForm(string? returnUrl, string? error) =>
        $"""
        <!doctype html><html><head><title>Test identity provider</title></head><body>
        <h1>Test identity provider</h1>
        {(error is null ? "" : $"<p role=\"alert\">{HtmlEncoder.Default.Encode(error)}</p>")}
        <form method="post" action="/login">
          <input type="hidden" name="returnUrl" value="{HtmlEncoder.Default.Encode(returnUrl ?? "/")}">
          <label>User <input name="username" autocomplete="username"></label>
          <label>Password <input name="password" type="password"></label>
          <button type="submit">Sign in</button>
        </form></body></html>
        """;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class ProviderDbContext(DbContextOptions<ProviderDbContext> options) : DbContext(options);
}
