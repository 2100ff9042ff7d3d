//! The admin console (`/admin`): the one registration point of its screens.
//!
//! Each capability crate that has staff screens (egov-codes' code tables,
//! egov-auth's accounts and roles, egov-audit's trail, and later crates' jobs and
//! files) offers them as an [`AdminScreen`] (where, title, who may use it), its
//! templates and its routes; an [`AdminConsole`] collects them, and
//! [`App::admin`](crate::App::admin) mounts them with the console's index at
//! `/admin` — shown to anyone who may use at least one screen, listing just those —
//! once the App has [pages](crate::App::pages). Every screen is server-rendered in
//! the page kit's `egov/admin.html` frame, progressive enhancement only (no
//! scripts), behind its own policy, its changes CSRF-protected (egov-auth's
//! middleware) and audited by the crate that makes them.

use egov_core::access::AccessPolicy;
use egov_http::ApiRouter;
use egov_pages::{AdminScreen, Page, PagesBuilder};

/// The screens of the admin console, with their templates and routes.
#[derive(Default)]
pub struct AdminConsole {
    screens: Vec<(AdminScreen, &'static [(&'static str, &'static str)])>,
    router: ApiRouter,
}

impl std::fmt::Debug for AdminConsole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.screens.iter().map(|(screen, _)| &screen.href))
            .finish()
    }
}

impl AdminConsole {
    /// A console without screens.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a screen: its entry in the menu, its templates (registered with the
    /// page kit) and its routes (each with its policy, usually the screen's).
    #[must_use]
    pub fn screen(
        mut self,
        screen: AdminScreen,
        templates: &'static [(&'static str, &'static str)],
        routes: ApiRouter,
    ) -> Self {
        self.screens.push((screen, templates));
        self.router = std::mem::take(&mut self.router).merge(routes);
        self
    }

    /// Adds the screens of `other`.
    #[must_use]
    pub fn merge(mut self, other: AdminConsole) -> Self {
        self.screens.extend(other.screens);
        self.router = std::mem::take(&mut self.router).merge(other.router);
        self
    }

    /// The screens, in the order they were added.
    pub fn screens(&self) -> impl Iterator<Item = &AdminScreen> {
        self.screens.iter().map(|(screen, _)| screen)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.screens.is_empty()
    }

    /// The page kit with the screens' templates and menu entries.
    pub(crate) fn register(&self, mut pages: PagesBuilder) -> PagesBuilder {
        for (screen, templates) in &self.screens {
            pages = pages.templates(templates).admin_screen(screen.clone());
        }
        pages
    }

    /// The screens' routes and the index at `/admin` (anyone who may use a screen).
    pub(crate) fn routes(&self) -> ApiRouter {
        if self.screens.is_empty() {
            return ApiRouter::new();
        }
        let anyone_with_a_screen = AccessPolicy::AnyOf(
            self.screens
                .iter()
                .map(|(screen, _)| screen.policy.clone())
                .collect(),
        );
        self.router.clone().route(
            egov_pages::ADMIN_PATH,
            anyone_with_a_screen,
            axum::routing::get(index),
        )
    }
}

/// `GET /admin`: the screens this account may use.
async fn index(page: Page) -> axum::response::Response {
    let title = page.text("egov-page-admin");
    page.render(
        "egov/admin_index.html",
        egov_pages::minijinja::context! { title => title },
    )
}
