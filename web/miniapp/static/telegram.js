/* The little of Telegram's Mini App interface the board uses. Inside Telegram's own
   telegram-web-app.js (window.Telegram.WebApp) it is used as is; otherwise this reads
   Telegram's documented launch parameters from the URL hash (tgWebAppData,
   tgWebAppThemeParams, tgWebAppVersion, tgWebAppPlatform) and speaks the documented
   postEvent protocol: TelegramWebviewProxy on mobile, window.external.notify on desktop,
   postMessage to the parent frame on the web. */
"use strict";
(function () {
  const handlers = {};

  function launchParams() {
    const stored = sessionStorage.getItem("tgLaunchParams");
    const hash = location.hash.slice(1);
    const params = new URLSearchParams(hash.includes("tgWebApp") ? hash : stored || "");
    if (hash.includes("tgWebApp")) sessionStorage.setItem("tgLaunchParams", hash);
    return params;
  }

  function postEvent(eventType, eventData) {
    const data = JSON.stringify(eventData || {});
    if (window.TelegramWebviewProxy) {
      window.TelegramWebviewProxy.postEvent(eventType, data);
    } else if (window.external && "notify" in window.external) {
      window.external.notify(JSON.stringify({ eventType, eventData }));
    } else if (window.parent !== window) {
      window.parent.postMessage(JSON.stringify({ eventType, eventData }), "*");
    }
  }

  function on(name, handler) {
    (handlers[name] = handlers[name] || []).push(handler);
  }

  function receiveEvent(eventType, eventData) {
    (handlers[eventType] || []).forEach((handler) => handler(eventData));
  }

  window.addEventListener("message", (event) => {
    try {
      const message = JSON.parse(event.data);
      if (message && message.eventType) receiveEvent(message.eventType, message.eventData);
    } catch (_) { /* not Telegram's */ }
  });

  function fromLaunchParams() {
    const params = launchParams();
    let themeParams = {};
    try { themeParams = JSON.parse(params.get("tgWebAppThemeParams") || "{}"); } catch (_) {}
    const initData = params.get("tgWebAppData") || "";
    let user = null;
    try { user = JSON.parse(new URLSearchParams(initData).get("user")); } catch (_) {}
    const mainButton = { text: "", isVisible: false };
    return {
      initData,
      initDataUnsafe: { user },
      version: params.get("tgWebAppVersion") || "6.0",
      platform: params.get("tgWebAppPlatform") || "unknown",
      themeParams,
      ready: () => postEvent("web_app_ready"),
      expand: () => postEvent("web_app_expand"),
      close: () => postEvent("web_app_close"),
      onEvent(name, handler) {
        const events = { themeChanged: "theme_changed", backButtonClicked: "back_button_pressed",
          mainButtonClicked: "main_button_pressed" };
        on(events[name] || name, (data) => {
          if (name === "themeChanged" && data && data.theme_params) {
            Object.assign(this.themeParams, data.theme_params);
          }
          handler(data);
        });
      },
      BackButton: {
        show: () => postEvent("web_app_setup_back_button", { is_visible: true }),
        hide: () => postEvent("web_app_setup_back_button", { is_visible: false }),
      },
      MainButton: {
        setText(text) { mainButton.text = text; return this; },
        show() { mainButton.isVisible = true; postEvent("web_app_setup_main_button",
          { is_visible: true, is_active: true, text: mainButton.text }); return this; },
        hide() { mainButton.isVisible = false; postEvent("web_app_setup_main_button",
          { is_visible: false }); return this; },
      },
      HapticFeedback: {
        impactOccurred: (style) => postEvent("web_app_trigger_haptic_feedback",
          { type: "impact", impact_style: style }),
        notificationOccurred: (type) => postEvent("web_app_trigger_haptic_feedback",
          { type: "notification", notification_type: type }),
      },
      openTelegramLink: (url) => postEvent("web_app_open_tg_link",
        { path_full: url.replace(/^https:\/\/t\.me/, "") }),
    };
  }

  /* Safe areas as telegram-web-app.js keeps them: CSS variables the page's padding reads. */
  function keepInsets(kind) {
    on(kind + "_changed", (inset) => {
      const prefix = kind === "safe_area" ? "--tg-safe-area-inset-" : "--tg-content-safe-area-inset-";
      for (const side of ["top", "bottom", "left", "right"]) {
        document.documentElement.style.setProperty(prefix + side, (inset && inset[side] || 0) + "px");
      }
    });
    postEvent("web_app_request_" + kind);
  }

  window.Telegram = window.Telegram || {};
  // Mobile clients deliver events by calling Telegram.WebView.receiveEvent.
  window.Telegram.WebView = window.Telegram.WebView || { receiveEvent };
  if (!window.Telegram.WebApp) {
    window.Telegram.WebApp = fromLaunchParams();
    keepInsets("safe_area");
    keepInsets("content_safe_area");
  }
})();
