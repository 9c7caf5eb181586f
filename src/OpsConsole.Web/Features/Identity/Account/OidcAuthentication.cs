using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.Identity.Web;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity.External;
using OpsConsole.Web.Api;

namespace OpsConsole.Web.Features.Identity.Account;

/// <summary>
/// Sign-in through the organisation's OpenID Connect provider with Microsoft.Identity.Web: the interactive
/// authorization-code flow for people (scheme <see cref="OidcScheme"/>) and the provider's access tokens for the
/// API (scheme <see cref="BearerScheme"/>). Present only when <c>Authentication:Oidc:ClientId</c> is configured.
/// </summary>
public static class OidcAuthentication
{
    public const string OidcScheme = "oidc";
    public const string BearerScheme = "oidc-bearer";
    public const string BearerAuthenticationMethod = "oidc-bearer";

    public static bool IsConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration.GetSection(OidcOptions.SectionName)["ClientId"]);

    public static WebApplicationBuilder AddConsoleOidc(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<LocalAccountOptions>().BindConfiguration(LocalAccountOptions.SectionName)
            .Validate(o => o.Enabled || IsConfigured(builder.Configuration),
                $"{LocalAccountOptions.SectionName}:Enabled=false needs {OidcOptions.SectionName} configured, or nobody can sign in.")
            .ValidateOnStart();
        builder.Services.AddOptions<OidcOptions>().BindConfiguration(OidcOptions.SectionName);
        builder.Services.AddScoped<ExternalSignInService>();
        if (!IsConfigured(builder.Configuration))
        {
            return builder;
        }

        builder.Services.AddSingleton<IValidateOptions<OidcOptions>, OidcOptionsValidator>();
        builder.Services.AddOptions<OidcOptions>().ValidateOnStart();
        var section = builder.Configuration.GetSection(OidcOptions.SectionName);
        var oidc = section.Get<OidcOptions>() ?? new OidcOptions();

        // No cookie scheme of its own: the provider's answer lands in Identity's external cookie, and the callback
        // endpoint turns it into the same application cookie a local sign-in gets (one session model for both).
        builder.Services.AddAuthentication()
            .AddMicrosoftIdentityWebApp(section, OidcScheme, cookieScheme: null, displayName: oidc.DisplayName);
        builder.Services.AddAuthentication()
            .AddMicrosoftIdentityWebApi(section, BearerScheme);

        // Configure runs after Identity.Web's own Configure but before the handler's post-configure, which builds
        // the metadata manager and checks RequireHttpsMetadata: so both belong here, not in PostConfigure.
        builder.Services.Configure<OpenIdConnectOptions>(OidcScheme, options =>
        {
            options.SignInScheme = IdentityConstants.ExternalScheme;
            options.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
            options.ResponseType = OpenIdConnectResponseType.Code;
            // A top-level GET back to the console carries SameSite=Lax cookies; form_post would need SameSite=None.
            options.ResponseMode = OpenIdConnectResponseMode.Query;
            options.UsePkce = true;
            // Defaults are SameSite=None + Secure, which a plain-http console never gets back; Lax suffices for the
            // top-level redirect of response_mode=query and stays Secure whenever the console is served over HTTPS.
            options.CorrelationCookie.SameSite = SameSiteMode.Lax;
            options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.NonceCookie.SameSite = SameSiteMode.Lax;
            options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            if (!oidc.IsEntra)
            {
                options.MetadataAddress = oidc.ProviderMetadataAddress; // Identity.Web would append /v2.0 to Authority
            }
        });
        builder.Services.Configure<JwtBearerOptions>(BearerScheme, options =>
        {
            options.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
            if (!oidc.IsEntra)
            {
                options.MetadataAddress = oidc.ProviderMetadataAddress;
            }
        });
        // The console authorizes by mapped roles itself; Identity.Web's "scope or roles claim required" gate would
        // reject generic providers' tokens, which carry "scope" rather than Entra's "scp".
        builder.Services.Configure<MicrosoftIdentityOptions>(BearerScheme, options => options.AllowWebApiToBeAuthorizedByACL = true);

        builder.Services.PostConfigure<OpenIdConnectOptions>(OidcScheme, options =>
        {
            UseGenericIssuer(options.TokenValidationParameters, oidc);
            if (!oidc.IsEntra)
            {
                // An ID token is for this client only (Identity.Web leaves audience checks to its Entra validator).
                options.TokenValidationParameters.ValidateAudience = true;
                options.TokenValidationParameters.ValidAudience = oidc.ClientId;
            }

            options.Events.OnRemoteFailure = context =>
            {
                // The person sees a generic message; the operator needs the provider's reason in the log.
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OidcAuthentication))
                    .LogWarning(context.Failure, "Sign-in with the identity provider failed: {Reason}", context.Failure?.Message);
                context.HandleResponse();
                context.Response.Redirect("/account/login?error=provider");
                return Task.CompletedTask;
            };
        });
        builder.Services.PostConfigure<JwtBearerOptions>(BearerScheme, options =>
        {
            UseGenericIssuer(options.TokenValidationParameters, oidc);
            if (!oidc.IsEntra)
            {
                // Access tokens are issued for the console's client (or its api:// URI, or a configured audience).
                options.TokenValidationParameters.ValidAudiences = oidc.Audience is { Length: > 0 } audience
                    ? [audience]
                    : [oidc.ClientId!, $"api://{oidc.ClientId}"];
            }

            var identityWebValidated = options.Events.OnTokenValidated;
            options.Events.OnMessageReceived = ReadHubAccessToken;
            options.Events.OnTokenValidated = async context =>
            {
                await identityWebValidated(context);
                if (context.Result is null)
                {
                    await MapBearerPrincipalAsync(context);
                }
            };
            options.Events.OnChallenge = async context =>
            {
                context.HandleResponse();
                context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                await ApiProblem.UnauthorizedAsync(context.HttpContext, context.AuthenticateFailure is null
                    ? "Authentication required: send a bearer token or sign in."
                    : $"The bearer access token was rejected: {context.AuthenticateFailure.Message}");
            };
            options.Events.OnForbidden = context => ApiProblem.ForbiddenAsync(context.HttpContext);
        });
        return builder;
    }

    private static void UseGenericIssuer(Microsoft.IdentityModel.Tokens.TokenValidationParameters parameters, OidcOptions oidc)
    {
        if (oidc.IsEntra)
        {
            return; // Identity.Web's issuer validator understands Entra's per-tenant issuers
        }

        // Identity.Web's validator expects Entra-shaped issuers and a tid claim; a generic provider has one fixed issuer.
        var issuer = oidc.ProviderIssuer;
        parameters.IssuerValidator = null;
        parameters.ValidateIssuer = true;
        parameters.ValidIssuers = [issuer, issuer.TrimEnd('/'), issuer.TrimEnd('/') + "/"];
    }

    private static Task ReadHubAccessToken(Microsoft.AspNetCore.Authentication.JwtBearer.MessageReceivedContext context)
    {
        // Browsers cannot set headers on WebSockets; SignalR sends the token in the query string, for the hub only.
        if (context.Request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase)
            && context.Request.Query.TryGetValue("access_token", out var token))
        {
            context.Token = token.ToString();
        }

        return Task.CompletedTask;
    }

    /// <summary>The provider's claims become the console's: its roles through the role map, the linked account's state.</summary>
    private static async Task MapBearerPrincipalAsync(Microsoft.AspNetCore.Authentication.JwtBearer.TokenValidatedContext context)
    {
        var signIn = context.HttpContext.RequestServices.GetRequiredService<ExternalSignInService>();
        var token = context.Principal!;
        var roles = signIn.RolesOf(token);
        var linked = await signIn.FindLinkedUserAsync(token);
        var users = context.HttpContext.RequestServices.GetRequiredService<UserManager<Core.Access.ConsoleUser>>();
        if (linked is not null && await users.IsLockedOutAsync(linked))
        {
            context.Fail("the account is disabled or locked in the console");
            return;
        }

        if (roles.Count == 0)
        {
            context.Fail("the token carries no value that maps to a console role");
            return;
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, linked?.Id ?? ExternalSignInService.SubjectOf(token) ?? ""),
            new(ClaimTypes.Name, linked?.UserName ?? token.FindFirstValue("preferred_username") ?? ExternalSignInService.DisplayNameOf(token)),
            new(ApiTokenAuthenticationHandler.AuthenticationMethodClaim, BearerAuthenticationMethod),
        };
        claims.AddRange(roles.Select(role => new Claim(ClaimTypes.Role, role)));
        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, BearerScheme));
    }
}
