/**
 * The sign-in screen. On load it asks GET /api/me: a signed-in person sees who they are and can
 * sign out; anyone else sees the sign-in form. Errors appear beside the form in live regions so
 * that screen readers announce them.
 */
import { get, post, setCsrfToken } from './api.js';

const ROLE_NAMES = {
  observer: 'Observer',
  teacher: 'Teacher',
  district_staff: 'District staff',
  admin: 'Admin',
};
const FIELD_PROMPTS = { email: 'Enter your email address.', password: 'Enter your password.' };
const TOO_MANY_ATTEMPTS = 'Too many failed sign-ins. Wait a minute, then try again.';

const $ = (id) => document.getElementById(id);
const heading = $('page-heading');
const form = $('signin-form');
const signedIn = $('signed-in');
const signinButton = $('signin-button');
const signoutButton = $('signout-button');

function roleNames(roles) {
  return (roles || []).map((role) => ROLE_NAMES[role] || role.replace(/_/g, ' ')).join(', ');
}

function show(view, title) {
  $('checking').hidden = true;
  form.hidden = view !== form;
  signedIn.hidden = view !== signedIn;
  heading.textContent = title;
  document.title = `${title} · Rounds`;
}

function showSignedIn(person) {
  setCsrfToken(person.csrf_token);
  $('person-name').textContent = person.name;
  $('person-email').textContent = person.email;
  $('person-roles').textContent = roleNames(person.roles);
  $('signout-message').textContent = '';
  show(signedIn, 'Signed in');
}

function showForm(message = '') {
  setCsrfToken(null);
  clearErrors();
  $('signin-message').textContent = message;
  show(form, 'Sign in');
}

function clearErrors() {
  for (const name of Object.keys(FIELD_PROMPTS)) setFieldError(name, '');
  $('signin-message').textContent = '';
}

function setFieldError(name, message) {
  $(`${name}-error`).textContent = message;
  if (message) form.elements[name].setAttribute('aria-invalid', 'true');
  else form.elements[name].removeAttribute('aria-invalid');
}

function messageFor(error) {
  return error.code === 'too_many_attempts' ? TOO_MANY_ATTEMPTS : error.message;
}

/** Shows the server's field messages beside their inputs; returns false if none were for them. */
function showFieldErrors(fields) {
  let shown = false;
  for (const name of Object.keys(FIELD_PROMPTS)) {
    const messages = [].concat(fields[name] || []);
    if (messages.length) {
      setFieldError(name, messages.join(' '));
      shown = true;
    }
  }
  return shown;
}

async function signIn(event) {
  event.preventDefault();
  clearErrors();
  const email = form.elements.email.value.trim();
  const password = form.elements.password.value;
  const missing = Object.entries({ email, password }).filter(([, value]) => !value);
  if (missing.length) {
    for (const [name] of missing) setFieldError(name, FIELD_PROMPTS[name]);
    form.elements[missing[0][0]].focus();
    return;
  }
  signinButton.disabled = true;
  signinButton.textContent = 'Signing in…';
  try {
    const person = await post('/api/auth/login', { email, password });
    form.reset();
    showSignedIn(person);
    heading.focus();
  } catch (error) {
    if (!(error.code === 'invalid' && showFieldErrors(error.fields))) {
      $('signin-message').textContent = messageFor(error);
    }
    if (error.code === 'invalid_credentials') {
      form.elements.password.value = '';
      form.elements.password.focus();
    }
  } finally {
    signinButton.disabled = false;
    signinButton.textContent = 'Sign in';
  }
}

async function signOut() {
  signoutButton.disabled = true;
  $('signout-message').textContent = '';
  try {
    await post('/api/auth/logout').catch(async (error) => {
      // Signing in again in another tab gives the session a new token; fetch it and retry once.
      if (error.code !== 'csrf_failed') throw error;
      setCsrfToken((await get('/api/me')).csrf_token);
      await post('/api/auth/logout');
    });
  } catch (error) {
    // A 401 means the session had already ended, which is all that signing out asks for.
    if (error.status !== 401) {
      $('signout-message').textContent = error.message;
      return;
    }
  } finally {
    signoutButton.disabled = false;
  }
  showForm();
  form.elements.email.focus();
}

async function start() {
  form.addEventListener('submit', signIn);
  signoutButton.addEventListener('click', signOut);
  try {
    showSignedIn(await get('/api/me'));
  } catch (error) {
    showForm(error.status === 401 ? '' : error.message);
  }
}

start();
