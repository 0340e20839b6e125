try {
  const c = document.documentElement.classList;
  if (localStorage.getItem("zhijian.signed_in")) c.add("zj-member");
  if (localStorage.getItem("zhijian.locale") === "en") c.add("zj-en");
  if (localStorage.getItem("zhijian.kiosk") && location.pathname !== "/station") history.replaceState(null, "", "/station");
} catch (e) {}
